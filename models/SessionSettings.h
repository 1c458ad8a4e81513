#pragma once
// What the sessions view lets an operator tune: the fill levels that turn a bar amber and
// red, the level that puts a session on the alert list, and whether a crossing raises a
// desktop notification. A plain value handed to the pieces that need it (no global).
#include <QMetaType>

class QSettings;

namespace switchboard {

struct SessionSettings
{
    double amberAt = 0.70;
    double redAt = 0.90;
    double alertAt = 0.70; // at or above: the session is on the alert list (DESIGN: 70 %)
    bool notify = true; // desktop notification (system tray) on a crossing

    // Reads "sessions/…" keys; out-of-range values fall back to the defaults.
    static SessionSettings load(QSettings &settings);
    void save(QSettings &settings) const;
};

} // namespace switchboard

Q_DECLARE_METATYPE(switchboard::SessionSettings)
