#pragma once
// Paints a session's fill level as a bar in its cell: tokens used over the window, amber
// from SessionSettings::amberAt, red from redAt. Never colour alone: the percentage is
// always written, and amber / red cells carry the warning / error glyph.
#include "models/SessionSettings.h"

#include <QStyledItemDelegate>

namespace switchboard {

class FillBarDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    explicit FillBarDelegate(SessionSettings settings, QObject *parent = nullptr);
    void setSettings(const SessionSettings &settings) { m_settings = settings; }

    void paint(QPainter *painter, const QStyleOptionViewItem &option,
               const QModelIndex &index) const override;
    QSize sizeHint(const QStyleOptionViewItem &option, const QModelIndex &index) const override;

private:
    SessionSettings m_settings;
};

} // namespace switchboard
