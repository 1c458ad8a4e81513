#pragma once
// A JSON value as an expandable tree (key, value, type). Untrusted input: at most
// kMaxItems items are created, the rest is summarised, so a huge array cannot stall
// the GUI.
#include <QTreeWidget>

#include <nlohmann/json.hpp>

namespace switchboard {

class JsonTreeWidget : public QTreeWidget
{
    Q_OBJECT
public:
    static constexpr int kMaxItems = 5000;
    explicit JsonTreeWidget(QWidget *parent = nullptr);
    void setJson(const nlohmann::json &value);

private:
    void add(QTreeWidgetItem *parent, const QString &key, const nlohmann::json &value, int *budget);
};

} // namespace switchboard
