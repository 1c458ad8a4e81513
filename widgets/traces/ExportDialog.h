#pragma once
// Where to write the post-mortem export and which personal data to redact. The patterns
// are kept in QSettings (traces/redactPatterns), so a team sets them once. The reason
// (an incident or ticket) goes into the audit row with who exported what, when.
#include <QDialog>

class QCheckBox;
class QLineEdit;
class QPlainTextEdit;

namespace switchboard {

class ExportDialog : public QDialog
{
    Q_OBJECT
public:
    ExportDialog(const QString &sessionId, QWidget *parent = nullptr);
    QString htmlPath() const;
    QString jsonPath() const;
    QStringList patterns() const;
    QString reason() const; // why the export is made: recorded in the audit log
    bool redactIds() const; // identifiers become pseudonyms (session-1, host-2, ...)
    static QStringList defaultPatterns();

    void accept() override;

private:
    QLineEdit *m_html;
    QLineEdit *m_json;
    QPlainTextEdit *m_patterns;
    QLineEdit *m_reason;
    QCheckBox *m_redactIds;
};

} // namespace switchboard
