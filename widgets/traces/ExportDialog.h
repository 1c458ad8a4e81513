#pragma once
// Where to write the post-mortem export and which personal data to redact. The patterns
// are kept in QSettings (traces/redactPatterns), so a team sets them once.
#include <QDialog>

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
    static QStringList defaultPatterns();

    void accept() override;

private:
    QLineEdit *m_html;
    QLineEdit *m_json;
    QPlainTextEdit *m_patterns;
};

} // namespace switchboard
