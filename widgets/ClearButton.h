#pragma once
// A line edit's clear button (setClearButtonEnabled) is a tool button Qt adds with no
// text: a screen reader announced an unnamed button in every filter box
// (tests/app/tst_accessibility). This enables it with a name.
#include <QLineEdit>
#include <QToolButton>

namespace switchboard {

inline void enableClearButton(QLineEdit *edit)
{
    edit->setClearButtonEnabled(true);
    const auto buttons = edit->findChildren<QToolButton *>();
    for (QToolButton *b : buttons) {
        if (b->accessibleName().isEmpty() && b->text().isEmpty()) {
            b->setAccessibleName(QStringLiteral("Clear"));
            b->setAccessibleDescription(QStringLiteral("Empties this field"));
        }
    }
}

} // namespace switchboard
