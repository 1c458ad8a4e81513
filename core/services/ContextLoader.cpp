#include "core/services/ContextLoader.h"

#include "core/contract/Caps.h"
#include "core/redis/RedisClient.h"

namespace switchboard {

ContextLoader::ContextLoader(RedisClient *client, Keys keys, QObject *parent)
    : QObject(parent)
    , m_client(client)
    , m_keys(std::move(keys))
{ }

void ContextLoader::cancel()
{
    ++m_serial;
}

void ContextLoader::load(const QString &sessionId)
{
    const quint64 serial = ++m_serial;
    ++m_commands;
    m_client->command({QByteArrayLiteral("STRLEN"), m_keys.sessionCtx(sessionId)}, this,
                      [this, serial, sessionId](const RedisReply &reply) {
                          if (serial != m_serial)
                              return;
                          if (reply.isError()) {
                              Q_EMIT failed(sessionId, reply.errorMessage());
                              return;
                          }
                          const qint64 length = reply.integer();
                          if (length <= 0) {
                              Q_EMIT failed(sessionId,
                                            QStringLiteral("no context composition: the key "
                                                           "has expired or was never written"));
                              return;
                          }
                          if (length > caps::kContextJson) {
                              Q_EMIT failed(sessionId,
                                            QStringLiteral("context %1: value is %2 bytes, over "
                                                           "the %3-byte cap; not loaded")
                                                .arg(sessionId)
                                                .arg(length)
                                                .arg(caps::kContextJson));
                              return;
                          }
                          fetch(serial, sessionId, length);
                      });
}

void ContextLoader::fetch(quint64 serial, const QString &sessionId, qint64)
{
    ++m_commands;
    // End index inclusive: at most cap + 1 bytes, so a value that grew past the cap since
    // STRLEN is still bounded and the parser reports it as over the cap.
    m_client->command({QByteArrayLiteral("GETRANGE"), m_keys.sessionCtx(sessionId),
                       QByteArrayLiteral("0"), QByteArray::number(caps::kContextJson)},
                      this, [this, serial, sessionId](const RedisReply &reply) {
                          if (serial != m_serial)
                              return;
                          if (reply.isError()) {
                              Q_EMIT failed(sessionId, reply.errorMessage());
                              return;
                          }
                          const auto parsed = ContextComposition::parse(reply.data(), sessionId);
                          if (!parsed.isOk()) {
                              Q_EMIT failed(sessionId, parsed.message());
                              return;
                          }
                          Q_EMIT loaded(parsed.value());
                      });
}

} // namespace switchboard
