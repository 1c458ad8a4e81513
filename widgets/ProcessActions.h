#pragma once
// What the processes view may ask of its data besides the tree model (app/ProcessesFeature
// implements it with the process event log and the control channel, which come and go with
// the Redis and Postgres connections; this object stays for the view's lifetime). The view
// never sees a Redis client, a pool or who the operator is.
#include "core/services/ProcessActionRequest.h"
#include "core/types/LoggedProcessEvent.h"

#include <QObject>
#include <QVector>

namespace switchboard {

class ProcessActions : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    // Reload / restart are possible at all (both backends connected).
    virtual bool canControl() const = 0;
    // What this console may do, as last probed (canControl() false: not probed).
    virtual ControlPermission permission() const = 0;
    // Sends the confirmed command and audits it; progress() follows it. Returns its id (0:
    // nothing was sent).
    virtual int request(const ProcessActionRequest &request) = 0;
    // The PM2 events of one app on one host (any instance), newest first, at most max.
    virtual QVector<LoggedProcessEvent> eventsFor(const QString &host, const QString &app,
                                                  int max) const = 0;

Q_SIGNALS:
    void permissionChanged(const switchboard::ControlPermission &permission);
    void progress(const switchboard::ControlProgress &progress);
    void eventsAppended(const QVector<switchboard::LoggedProcessEvent> &events);
    // The event log was replaced (or went): what eventsFor() answers changed wholesale.
    void eventsReset();
};

} // namespace switchboard
