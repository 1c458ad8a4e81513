#include "models/SessionSettings.h"

#include <QSettings>

namespace switchboard {

namespace {

double ratioOr(const QSettings &s, const QString &key, double fallback)
{
    bool ok = false;
    const double v = s.value(key).toDouble(&ok);
    return ok && v > 0.0 && v <= 10.0 ? v : fallback;
}

} // namespace

SessionSettings SessionSettings::load(QSettings &settings)
{
    SessionSettings out;
    out.amberAt = ratioOr(settings, QStringLiteral("sessions/amberAt"), out.amberAt);
    out.redAt = ratioOr(settings, QStringLiteral("sessions/redAt"), out.redAt);
    out.alertAt = ratioOr(settings, QStringLiteral("sessions/alertAt"), out.alertAt);
    out.notify = settings.value(QStringLiteral("sessions/notify"), out.notify).toBool();
    if (out.redAt < out.amberAt)
        out.redAt = out.amberAt;
    return out;
}

void SessionSettings::save(QSettings &settings) const
{
    settings.setValue(QStringLiteral("sessions/amberAt"), amberAt);
    settings.setValue(QStringLiteral("sessions/redAt"), redAt);
    settings.setValue(QStringLiteral("sessions/alertAt"), alertAt);
    settings.setValue(QStringLiteral("sessions/notify"), notify);
}

} // namespace switchboard
