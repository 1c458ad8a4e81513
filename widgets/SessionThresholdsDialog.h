#pragma once
// The sessions view's levels, set by the operator: where a fill bar turns amber and red,
// where a session goes on the alert list, and whether a crossing raises a desktop notice.
// Percentages in whole steps; red is never below amber (the dialog refuses it).
#include "models/SessionSettings.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QSpinBox;

namespace switchboard {

class SessionThresholdsDialog : public QDialog
{
    Q_OBJECT
public:
    explicit SessionThresholdsDialog(const SessionSettings &current, QWidget *parent = nullptr);
    SessionSettings settings() const;
    void accept() override;

private:
    void check();

    SessionSettings m_base;
    QSpinBox *m_amber;
    QSpinBox *m_red;
    QSpinBox *m_alert;
    QCheckBox *m_notify;
    QLabel *m_problem;
};

} // namespace switchboard
