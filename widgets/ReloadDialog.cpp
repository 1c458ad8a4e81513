#include "widgets/ReloadDialog.h"

#include "widgets/UntrustedLabel.h"

#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace switchboard {

QString ReloadDialog::consequence(ControlAction action, ExecMode mode)
{
    if (action == ControlAction::Reload && mode == ExecMode::Cluster)
        return QStringLiteral("Graceful: PM2 replaces the cluster workers one at a time; "
                              "the app keeps serving.");
    if (action == ControlAction::Reload)
        return QStringLiteral("This app runs in fork mode: a reload is a restart. The process "
                              "is stopped and started again, with downtime.");
    return QStringLiteral("Restart: the process is stopped and started again, with downtime "
                          "(also in cluster mode).");
}

ReloadDialog::ReloadDialog(const ProcessActionRequest &request, QWidget *parent)
    : QDialog(parent)
    , m_request(request)
    , m_reason(new QPlainTextEdit(this))
{
    const QString verb = enumToText(request.action);
    // Host and app are what a bridge wrote: plain text, made visible, bounded.
    untrusted::setWindowTitle(this,
                              QStringLiteral("%1 %2 on %3").arg(verb, request.app, request.host));
    auto *form = new QFormLayout;
    const auto mono = [this](const QString &text) {
        auto *l = untrusted::plainLabel(text, this);
        l->setTextInteractionFlags(Qt::TextSelectableByMouse);
        QFont f = l->font();
        f.setFamily(QStringLiteral("monospace"));
        l->setFont(f);
        return l;
    };
    form->addRow(QStringLiteral("Action:"), mono(verb));
    form->addRow(QStringLiteral("Host:"), mono(request.host));
    form->addRow(QStringLiteral("App:"), mono(request.app));
    form->addRow(QStringLiteral("Instance:"),
                 mono(request.pmId ? QStringLiteral("pm_id %1").arg(*request.pmId)
                                   : QStringLiteral("all instances")));
    form->addRow(QStringLiteral("Exec mode:"), mono(enumToText(request.execMode)));
    auto *what = new QLabel(consequence(request.action, request.execMode), this);
    what->setWordWrap(true);
    form->addRow(QStringLiteral("What happens:"), what);
    m_reason->setPlaceholderText(QStringLiteral("Required: why (goes to the audit log)"));
    m_reason->setTabChangesFocus(true);
    m_reason->setMaximumHeight(90);
    m_reason->setAccessibleName(QStringLiteral("Reason"));
    m_reason->setAccessibleDescription(m_reason->placeholderText());
    form->addRow(QStringLiteral("Reason:"), m_reason);

    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Cancel, this);
    m_ok = buttons->addButton(
        QStringLiteral("%1 %2").arg(
            verb, untrusted::line(request.app, 60).replace(QLatin1Char('&'), QStringLiteral("&&"))),
        QDialogButtonBox::AcceptRole);
    m_ok->setEnabled(false);
    m_ok->setAccessibleDescription(consequence(request.action, request.execMode));
    buttons->button(QDialogButtonBox::Cancel)->setDefault(true);
    connect(m_reason, &QPlainTextEdit::textChanged, this,
            [this] { m_ok->setEnabled(!m_reason->toPlainText().trimmed().isEmpty()); });
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto *layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
    m_reason->setFocus();
}

ProcessActionRequest ReloadDialog::request() const
{
    ProcessActionRequest r = m_request;
    r.reason = m_reason->toPlainText().trimmed().left(16384);
    return r;
}

} // namespace switchboard
