#pragma once
// Loads one session's context composition (`N session:{id}:ctx`) on demand, bounded:
// STRLEN first, so a value over the contract cap (8 MiB) is refused without transferring
// it, then GETRANGE up to the cap (a value that grew in between still cannot exceed it).
// A newer load() supersedes an older one: only the latest answer is reported.
#include "core/contract/ContextComposition.h"
#include "core/contract/Keys.h"

#include <QObject>

namespace switchboard {

class RedisClient;

class ContextLoader : public QObject
{
    Q_OBJECT
public:
    ContextLoader(RedisClient *client, Keys keys, QObject *parent = nullptr);

    void load(const QString &sessionId);
    void cancel(); // forget the pending load, if any
    quint64 commandsSent() const { return m_commands; }

Q_SIGNALS:
    void loaded(const switchboard::ContextComposition &composition);
    // Missing key, over the cap, broken JSON, Redis error: the reason, for the panel.
    void failed(const QString &sessionId, const QString &message);

private:
    void fetch(quint64 serial, const QString &sessionId, qint64 length);

    RedisClient *m_client;
    Keys m_keys;
    quint64 m_serial = 0;
    quint64 m_commands = 0;
};

} // namespace switchboard
