#include "widgets/UntrustedLabel.h"

#include <QLabel>
#include <QWidget>

namespace switchboard::untrusted {

void makePlain(QLabel *label)
{
    label->setTextFormat(Qt::PlainText);
    label->setOpenExternalLinks(false);
}

void setLabel(QLabel *label, const QString &text, int maxChars)
{
    makePlain(label);
    label->setText(label->wordWrap() ? block(text, maxChars) : line(text, maxChars));
}

QLabel *plainLabel(const QString &text, QWidget *parent, int maxChars)
{
    auto *label = new QLabel(parent);
    setLabel(label, text, maxChars);
    return label;
}

void setToolTip(QWidget *widget, const QString &text, int maxChars)
{
    widget->setToolTip(toolTip(text, maxChars));
}

void setWindowTitle(QWidget *widget, const QString &text)
{
    // "[*]" is the window-modified placeholder; a doubled one shows literally.
    widget->setWindowTitle(line(text).replace(QStringLiteral("[*]"), QStringLiteral("[*][*]")));
}

namespace {

QMessageBox::StandardButton ask(QMessageBox::Icon icon, QWidget *parent, const QString &title,
                                const QString &text, QMessageBox::StandardButtons buttons)
{
    QMessageBox box(icon, line(title), QString(), buttons, parent);
    box.setTextFormat(Qt::PlainText);
    box.setText(block(text));
    return QMessageBox::StandardButton(box.exec());
}

} // namespace

QMessageBox::StandardButton warning(QWidget *parent, const QString &title, const QString &text,
                                    QMessageBox::StandardButtons buttons)
{
    return ask(QMessageBox::Warning, parent, title, text, buttons);
}

QMessageBox::StandardButton question(QWidget *parent, const QString &title, const QString &text,
                                     QMessageBox::StandardButtons buttons)
{
    return ask(QMessageBox::Question, parent, title, text, buttons);
}

} // namespace switchboard::untrusted
