#include "widgets/RollbackDialog.h"

#include "widgets/DiffView.h"
#include "widgets/StatusGlyph.h"
#include "widgets/UntrustedLabel.h"

#include <QCheckBox>
#include <QDateTime>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace switchboard {

RollbackDialog::RollbackDialog(const RollbackDialogInput &in, QWidget *parent)
    : QDialog(parent)
    , m_input(in)
    , m_headline(new QLabel(this))
    , m_eval(new QLabel(this))
    , m_diff(new DiffView(this))
    , m_reason(new QPlainTextEdit(this))
    , m_override(new QCheckBox(this))
    , m_overrideReason(new QLineEdit(this))
    , m_why(new QLabel(this))
{
    const PromptVersion &t = in.target.version;
    untrusted::setWindowTitle(
        this,
        QStringLiteral("Roll back %1 to version %2").arg(in.agent, QString::number(t.version)));
    m_headline->setWordWrap(true);
    untrusted::setLabel(
        m_headline,
        QStringLiteral("Roll back agent %1 from version %2 (active, deployment #%3 by %4 at %5) "
                       "to version %6 (%7).")
            // One arg() call: a "%2" in an agent's name is not filled in by a later one.
            .arg(in.agent, QString::number(in.currentVersion),
                 QString::number(in.currentDeploymentId), in.currentBy,
                 QDateTime::fromMSecsSinceEpoch(in.currentAt, Qt::UTC)
                     .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss 'UTC'")),
                 QString::number(t.version), t.model),
        untrusted::kMessageChars);
    QFont bold = m_headline->font();
    bold.setBold(true);
    m_headline->setFont(bold);

    StatusKind kind = StatusKind::Warning;
    QString evalText;
    if (!t.evalPassed) {
        evalText = QStringLiteral("Version %1 was never evaluated.").arg(t.version);
        m_needsOverride = true;
    } else if (!*t.evalPassed) {
        kind = StatusKind::Error;
        evalText = QStringLiteral("Version %1 FAILED its evaluation").arg(t.version);
        m_needsOverride = true;
    } else {
        kind = StatusKind::Ok;
        evalText = QStringLiteral("Version %1 passed its evaluation").arg(t.version);
    }
    if (t.evalPassed) {
        if (!t.evalSuite.isEmpty())
            evalText += QStringLiteral(" on suite %1").arg(t.evalSuite);
        if (t.evalScore)
            evalText += QStringLiteral(" (score %1)").arg(*t.evalScore, 0, 'f', 3);
        evalText += QLatin1Char('.');
    }
    auto *evalIcon = new QLabel(this);
    evalIcon->setPixmap(statusIcon(kind, 16).pixmap(16, 16));
    m_eval->setWordWrap(true);
    untrusted::setLabel(m_eval, evalText, untrusted::kMessageChars);
    auto *evalRow = new QHBoxLayout;
    evalRow->addWidget(evalIcon);
    evalRow->addWidget(m_eval, 1);

    m_diff->setDiff(in.diff, QStringLiteral("v%1 (active)").arg(in.currentVersion),
                    QStringLiteral("v%1").arg(t.version));

    m_reason->setPlaceholderText(QStringLiteral("Why (required; recorded in the audit log and "
                                                "on the deployment)"));
    m_reason->setMaximumHeight(70);
    m_reason->setTabChangesFocus(true); // Tab moves on (the dialog is keyboard operable)
    m_reason->setAccessibleName(QStringLiteral("Reason"));
    m_reason->setAccessibleDescription(m_reason->placeholderText());
    m_override->setText(QStringLiteral("Deploy it although it did not pass its evaluation"));
    m_overrideReason->setPlaceholderText(
        QStringLiteral("Why the evaluation is overridden (required)"));
    m_override->setVisible(m_needsOverride);
    m_overrideReason->setVisible(m_needsOverride);
    m_why->setWordWrap(true);
    m_overrideReason->setAccessibleName(QStringLiteral("Override reason"));
    m_overrideReason->setAccessibleDescription(m_overrideReason->placeholderText());
    m_override->setAccessibleDescription(
        QStringLiteral("Required to deploy a version that failed or lacks its evaluation"));
    evalIcon->setAccessibleName(evalText); // the glyph says the same as the text

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_confirm = buttons->addButton(
        QStringLiteral("Roll back %1 to v%2")
            .arg(untrusted::line(in.agent, 60).replace(QLatin1Char('&'), QStringLiteral("&&")),
                 QString::number(t.version)),
        QDialogButtonBox::AcceptRole);
    buttons->button(QDialogButtonBox::Cancel)->setDefault(true);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(m_headline);
    layout->addLayout(evalRow);
    layout->addWidget(m_diff, 1);
    auto *form = new QFormLayout;
    form->addRow(QStringLiteral("Reason:"), m_reason);
    layout->addLayout(form);
    layout->addWidget(m_override);
    layout->addWidget(m_overrideReason);
    layout->addWidget(m_why);
    layout->addWidget(buttons);
    resize(900, 620);

    connect(m_reason, &QPlainTextEdit::textChanged, this, &RollbackDialog::updateState);
    connect(m_override, &QCheckBox::toggled, this, &RollbackDialog::updateState);
    connect(m_overrideReason, &QLineEdit::textChanged, this, &RollbackDialog::updateState);
    m_reason->setFocus();
    updateState();
}

QString RollbackDialog::reason() const
{
    return m_reason->toPlainText().trimmed();
}

bool RollbackDialog::overrideEval() const
{
    return m_needsOverride && m_override->isChecked();
}

QString RollbackDialog::overrideReason() const
{
    return overrideEval() ? m_overrideReason->text().trimmed() : QString();
}

QString RollbackDialog::headline() const
{
    return m_headline->text();
}

QString RollbackDialog::evaluationText() const
{
    return m_eval->text();
}

void RollbackDialog::updateState()
{
    m_overrideReason->setEnabled(m_override->isChecked());
    QString why;
    if (reason().isEmpty())
        why = QStringLiteral("A reason is required.");
    else if (m_needsOverride && !m_override->isChecked())
        why = QStringLiteral("The target did not pass its evaluation: tick the override to "
                             "deploy it anyway.");
    else if (m_needsOverride && overrideReason().isEmpty())
        why = QStringLiteral("Say why the evaluation is overridden.");
    untrusted::setLabel(m_why, why);
    m_confirm->setEnabled(why.isEmpty());
}

} // namespace switchboard
