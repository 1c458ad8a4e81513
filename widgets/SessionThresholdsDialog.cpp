#include "widgets/SessionThresholdsDialog.h"

#include "widgets/StatusGlyph.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>

#include <cmath>

namespace switchboard {

namespace {

QSpinBox *percentBox(double ratio, QWidget *parent)
{
    auto *box = new QSpinBox(parent);
    box->setRange(1, 999); // a session can overrun its window (ctx_tokens > ctx_limit)
    box->setSuffix(QStringLiteral(" %"));
    box->setValue(int(std::lround(ratio * 100.0)));
    box->setAlignment(Qt::AlignRight);
    return box;
}

} // namespace

SessionThresholdsDialog::SessionThresholdsDialog(const SessionSettings &current, QWidget *parent)
    : QDialog(parent)
    , m_base(current)
    , m_amber(percentBox(current.amberAt, this))
    , m_red(percentBox(current.redAt, this))
    , m_alert(percentBox(current.alertAt, this))
    , m_notify(
          new QCheckBox(tr("Desktop notification when a session reaches the alert level"), this))
    , m_problem(new QLabel(this))
{
    setWindowTitle(tr("Session thresholds"));
    m_notify->setChecked(current.notify);
    QPalette warning = m_problem->palette();
    warning.setColor(QPalette::WindowText, statusColor(StatusKind::Error, warning));
    m_problem->setPalette(warning);
    auto *form = new QFormLayout(this);
    form->addRow(new QLabel(tr("Fill level = input tokens of the session's latest model call "
                               "over the model's context window."),
                            this));
    form->addRow(tr("Bar turns &amber from"), m_amber);
    form->addRow(tr("Bar turns &red from"), m_red);
    form->addRow(tr("&Alert list from"), m_alert);
    m_amber->setAccessibleName(tr("Bar turns amber from"));
    m_red->setAccessibleName(tr("Bar turns red from"));
    m_alert->setAccessibleName(tr("Alert list from"));
    m_alert->setAccessibleDescription(
        tr("Sessions at or above this fill are listed under the sessions table"));
    form->addRow(m_notify);
    form->addRow(m_problem);
    auto *buttons = new QDialogButtonBox(
        QDialogButtonBox::Ok | QDialogButtonBox::Cancel | QDialogButtonBox::RestoreDefaults, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &SessionThresholdsDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &SessionThresholdsDialog::reject);
    connect(buttons->button(QDialogButtonBox::RestoreDefaults), &QPushButton::clicked, this,
            [this] {
                const SessionSettings defaults;
                m_amber->setValue(int(std::lround(defaults.amberAt * 100.0)));
                m_red->setValue(int(std::lround(defaults.redAt * 100.0)));
                m_alert->setValue(int(std::lround(defaults.alertAt * 100.0)));
                m_notify->setChecked(defaults.notify);
            });
    for (QSpinBox *box : {m_amber, m_red, m_alert})
        connect(box, &QSpinBox::valueChanged, this, &SessionThresholdsDialog::check);
    form->addRow(buttons);
    check();
}

SessionSettings SessionThresholdsDialog::settings() const
{
    SessionSettings out = m_base;
    out.amberAt = m_amber->value() / 100.0;
    out.redAt = m_red->value() / 100.0;
    out.alertAt = m_alert->value() / 100.0;
    out.notify = m_notify->isChecked();
    return out;
}

void SessionThresholdsDialog::check()
{
    m_problem->setText(m_red->value() < m_amber->value()
                           ? QStringLiteral("⚠ ") + tr("red must not be below amber")
                           : QString());
}

void SessionThresholdsDialog::accept()
{
    if (m_red->value() < m_amber->value()) {
        m_red->setFocus();
        return;
    }
    QDialog::accept();
}

} // namespace switchboard
