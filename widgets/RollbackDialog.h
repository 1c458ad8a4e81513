#pragma once
// The confirmation of a rollback: names the agent, the current and the target version, shows
// the diff between them and the target's evaluation, and asks for a reason. A target that
// failed (or lacks) its evaluation needs an explicit override with its own reason.
#include "core/services/PromptSnapshots.h"
#include "core/util/TextDiff.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace switchboard {

class DiffView;

struct RollbackDialogInput
{
    QString agent;
    qint64 currentVersion = 0;
    qint64 currentDeploymentId = 0;
    QString currentBy;
    qint64 currentAt = 0;
    PromptVersionRow target;
    TextDiffResult diff; // current → target, model and parameters included
};

class RollbackDialog : public QDialog
{
    Q_OBJECT
public:
    explicit RollbackDialog(const RollbackDialogInput &input, QWidget *parent = nullptr);

    QString reason() const;
    bool overrideEval() const;
    QString overrideReason() const;
    bool needsOverride() const { return m_needsOverride; }

    QPushButton *confirmButton() const { return m_confirm; }
    QCheckBox *overrideBox() const { return m_override; }
    QPlainTextEdit *reasonEdit() const { return m_reason; }
    QLineEdit *overrideReasonEdit() const { return m_overrideReason; }
    QString headline() const;
    const RollbackDialogInput &input() const { return m_input; }
    QString evaluationText() const;

private:
    void updateState();

    RollbackDialogInput m_input;
    bool m_needsOverride = false;
    QLabel *m_headline;
    QLabel *m_eval;
    DiffView *m_diff;
    QPlainTextEdit *m_reason;
    QCheckBox *m_override;
    QLineEdit *m_overrideReason;
    QLabel *m_why;
    QPushButton *m_confirm;
};

} // namespace switchboard
