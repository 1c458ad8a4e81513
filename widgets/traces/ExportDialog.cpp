#include "widgets/traces/ExportDialog.h"

#include "widgets/UntrustedLabel.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>

namespace switchboard {

QStringList ExportDialog::defaultPatterns()
{
    return {QStringLiteral("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}"),
            QStringLiteral("\\+?\\d[\\d ()-]{7,}\\d")};
}

ExportDialog::ExportDialog(const QString &sessionId, QWidget *parent)
    : QDialog(parent)
    , m_html(new QLineEdit(this))
    , m_json(new QLineEdit(this))
    , m_patterns(new QPlainTextEdit(this))
    , m_reason(new QLineEdit(this))
    , m_redactIds(new QCheckBox(tr("Replace identifiers (session, trace, span, host, agent, "
                                   "operator, app) by pseudonyms"),
                                this))
{
    untrusted::setWindowTitle(this, tr("Export session %1").arg(sessionId));
    const QString base = QDir::home().filePath(QStringLiteral("trace-") + sessionId);
    m_html->setText(base + QStringLiteral(".html"));
    m_json->setText(base + QStringLiteral(".json"));
    QSettings settings;
    m_patterns->setPlainText(
        settings.value(QStringLiteral("traces/redactPatterns"), defaultPatterns())
            .toStringList()
            .join(QLatin1Char('\n')));
    auto *form = new QFormLayout(this);
    m_patterns->setTabChangesFocus(true); // Tab moves on (the dialog is keyboard operable)
    m_html->setAccessibleName(tr("HTML report path"));
    m_json->setAccessibleName(tr("JSON bundle path"));
    m_html->setAccessibleDescription(tr("Leave empty to skip the HTML report"));
    m_json->setAccessibleDescription(tr("Leave empty to skip the JSON bundle"));
    m_patterns->setAccessibleName(tr("Redaction patterns"));
    m_patterns->setAccessibleDescription(
        tr("One regular expression per line; matches are replaced in every payload"));
    m_reason->setAccessibleName(tr("Reason"));
    m_reason->setAccessibleDescription(tr("Required: recorded in the audit log"));
    form->addRow(new QLabel(tr("Self-contained HTML report and JSON bundle of every span with "
                               "its payloads, recovery events, prompt versions and host "
                               "events. Leave a path empty to skip that file."),
                            this));
    form->addRow(tr("HTML report"), m_html);
    form->addRow(tr("JSON bundle"), m_json);
    form->addRow(tr("Redact (regex per line)"), m_patterns);
    m_redactIds->setChecked(settings.value(QStringLiteral("traces/redactIds"), false).toBool());
    m_redactIds->setToolTip(tr("session-1, host-2...: the same identifier gets the same "
                               "pseudonym within one export, so the trace tree stays whole"));
    form->addRow(QString(), m_redactIds);
    m_redactIds->setAccessibleDescription(m_redactIds->toolTip());
    m_reason->setPlaceholderText(tr("required: the incident or ticket, e.g. INC-2231 post-mortem"));
    form->addRow(tr("Reason"), m_reason);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    buttons->button(QDialogButtonBox::Ok)->setText(tr("Export"));
    connect(buttons, &QDialogButtonBox::accepted, this, &ExportDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &ExportDialog::reject);
    form->addRow(buttons);
    resize(640, 320);
    m_reason->setFocus(); // the one field that has no default
}

QString ExportDialog::htmlPath() const
{
    return m_html->text().trimmed();
}

QString ExportDialog::jsonPath() const
{
    return m_json->text().trimmed();
}

QString ExportDialog::reason() const
{
    return m_reason->text().trimmed();
}

bool ExportDialog::redactIds() const
{
    return m_redactIds->isChecked();
}

QStringList ExportDialog::patterns() const
{
    QStringList out;
    for (const QString &line : m_patterns->toPlainText().split(QLatin1Char('\n'))) {
        if (!line.trimmed().isEmpty())
            out << line;
    }
    return out;
}

void ExportDialog::accept()
{
    for (const QString &p : patterns()) {
        const QRegularExpression re(p);
        if (!re.isValid()) {
            untrusted::warning(this, windowTitle(),
                               tr("Pattern %1 is not valid: %2").arg(p, re.errorString()));
            return;
        }
    }
    if (htmlPath().isEmpty() && jsonPath().isEmpty())
        return;
    if (reason().isEmpty()) {
        untrusted::warning(this, windowTitle(),
                           tr("Say why you export this session: the reason is recorded in "
                              "the audit log with the files written."));
        m_reason->setFocus();
        return;
    }
    QSettings settings;
    settings.setValue(QStringLiteral("traces/redactPatterns"), patterns());
    settings.setValue(QStringLiteral("traces/redactIds"), redactIds());
    QDialog::accept();
}

} // namespace switchboard
