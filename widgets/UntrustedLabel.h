#pragma once
// Widgets' side of models/UntrustedText.h: labels, widget tooltips, window titles and
// message boxes that may carry what agents wrote (docs/style.md, "Untrusted everything").
#include "models/UntrustedText.h"

#include <QMessageBox>

class QLabel;
class QWidget;

namespace switchboard::untrusted {

// Makes the label plain text for good (Qt::PlainText) and sets untrusted::line() (or,
// with a word-wrapped label, block()) of the text.
void setLabel(QLabel *label, const QString &text, int maxChars = kLineChars);
// A new label made by setLabel().
QLabel *plainLabel(const QString &text, QWidget *parent, int maxChars = kLineChars);
// Makes an existing label plain text (for its text set later with setLabel()).
void makePlain(QLabel *label);

// widget->setToolTip(untrusted::toolTip(text)).
void setToolTip(QWidget *widget, const QString &text, int maxChars = kToolTipChars);
// widget->setWindowTitle(untrusted::line(text)).
void setWindowTitle(QWidget *widget, const QString &text);

// QMessageBox::warning / question with Qt::PlainText and block() of the text.
QMessageBox::StandardButton warning(QWidget *parent, const QString &title, const QString &text,
                                    QMessageBox::StandardButtons buttons = QMessageBox::Ok);
QMessageBox::StandardButton question(QWidget *parent, const QString &title, const QString &text,
                                     QMessageBox::StandardButtons buttons
                                     = QMessageBox::Yes | QMessageBox::No);

} // namespace switchboard::untrusted
