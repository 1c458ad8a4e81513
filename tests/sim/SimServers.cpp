#include "sim/SimServers.h"

#include <QUrl>

#include <algorithm>
#include <hiredis/hiredis.h>
#include <vector>

namespace switchboard::test {

namespace {

struct Conn
{
    redisContext *c = nullptr;
    ~Conn()
    {
        if (c)
            redisFree(c);
    }
};

redisReply *run(redisContext *c, const QList<QByteArray> &argv)
{
    std::vector<const char *> a;
    std::vector<size_t> l;
    for (const QByteArray &s : argv) {
        a.push_back(s.constData());
        l.push_back(static_cast<size_t>(s.size()));
    }
    return static_cast<redisReply *>(
        redisCommandArgv(c, static_cast<int>(a.size()), a.data(), l.data()));
}

QByteArray str(const redisReply *r)
{
    return QByteArray(r->str, static_cast<qsizetype>(r->len));
}

void flatten(const redisReply *r, QList<QByteArray> *out)
{
    if (r->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < r->elements; ++i)
            flatten(r->element[i], out);
    } else if (r->type == REDIS_REPLY_INTEGER) {
        out->append(QByteArray::number(r->integer));
    } else if (r->type == REDIS_REPLY_NIL) {
        out->append(QByteArray());
    } else {
        out->append(str(r));
    }
}

bool open(const QString &uri, Conn *conn, QString *error)
{
    const QUrl url(uri);
    conn->c = redisConnect(url.host().toUtf8().constData(), url.port(6379));
    if (!conn->c || conn->c->err) {
        *error = QStringLiteral("cannot connect to ") + uri;
        return false;
    }
    return true;
}

} // namespace

SimServers::SimServers() = default;
SimServers::~SimServers() = default;

bool SimServers::start()
{
    m_redis = std::make_unique<RedisServer>();
    m_pg = std::make_unique<PostgresServer>();
    if (!m_redis->start()) {
        m_error = QStringLiteral("redis: ") + m_redis->error();
        return false;
    }
    if (!m_pg->start()) {
        m_error = QStringLiteral("postgres: ") + m_pg->error();
        return false;
    }
    return true;
}

bool SimServers::createDatabase(const QString &name)
{
    if (!m_pg->createDatabase(name, true)) {
        m_error = m_pg->error();
        return false;
    }
    bool ok = false;
    const QByteArray has
        = m_pg->psql(name, QStringLiteral("SELECT to_regclass('agentops.spans') IS NOT NULL"), &ok)
              .trimmed();
    if (has != "t")
        m_error = QStringLiteral("the migration did not create agentops.spans");
    return has == "t";
}

bool SimServers::flushRedis()
{
    QString error;
    redisCommand(m_redis->uri(), {QByteArrayLiteral("FLUSHALL")}, &error);
    return error.isEmpty();
}

QList<QByteArray> redisCommand(const QString &uri, const QList<QByteArray> &argv, QString *error)
{
    Conn conn;
    QList<QByteArray> out;
    if (!open(uri, &conn, error))
        return out;
    redisReply *r = run(conn.c, argv);
    if (!r) {
        *error = QStringLiteral("no reply");
        return out;
    }
    if (r->type == REDIS_REPLY_ERROR)
        *error = QString::fromUtf8(str(r));
    else
        flatten(r, &out);
    freeReplyObject(r);
    return out;
}

QByteArray dumpRedis(const QString &uri, const QByteArray &ns, QString *error)
{
    Conn conn;
    if (!open(uri, &conn, error))
        return {};
    QList<QByteArray> keys;
    QByteArray cursor = "0";
    do {
        redisReply *r = run(conn.c, {"SCAN", cursor, "MATCH", ns + '*', "COUNT", "1000"});
        if (!r || r->type != REDIS_REPLY_ARRAY) {
            *error = QStringLiteral("SCAN failed");
            return {};
        }
        cursor = str(r->element[0]);
        for (size_t i = 0; i < r->element[1]->elements; ++i)
            keys.append(str(r->element[1]->element[i]));
        freeReplyObject(r);
    } while (cursor != "0");
    std::sort(keys.begin(), keys.end());
    QByteArray out;
    for (const QByteArray &k : keys) {
        redisReply *t = run(conn.c, {"TYPE", k});
        const QByteArray type = str(t);
        freeReplyObject(t);
        QList<QByteArray> cmd;
        if (type == "hash")
            cmd = {"HGETALL", k};
        else if (type == "string")
            cmd = {"GET", k};
        else if (type == "zset")
            cmd = {"ZRANGE", k, "0", "-1", "WITHSCORES"};
        else if (type == "stream")
            cmd = {"XRANGE", k, "-", "+"};
        QList<QByteArray> items;
        if (!cmd.isEmpty()) {
            redisReply *r = run(conn.c, cmd);
            flatten(r, &items);
            freeReplyObject(r);
        }
        if (type == "hash") {
            // HGETALL order is not guaranteed: sort the pairs.
            QList<QByteArray> pairs;
            for (qsizetype i = 0; i + 1 < items.size(); i += 2)
                pairs.append(items[i].toHex() + '=' + items[i + 1].toHex());
            std::sort(pairs.begin(), pairs.end());
            items = pairs;
        }
        out += type + ' ' + k.toHex() + '\n';
        for (const QByteArray &it : items)
            out += "  " + QByteArray::number(it.size()) + ' ' + QByteArray::number(qHash(it)) + ' '
                + it.left(64).toHex() + '\n';
    }
    return out;
}

QByteArray dumpPostgres(PostgresServer &pg, const QString &db, QString *error)
{
    const char *const tables[][2] = {
        {"spans", "span_id"},
        {"sessions", "session_id"},
        {"recovery_events", "id"},
        {"process_events", "id"},
        {"prompt_versions", "agent, version"},
        {"prompt_deployments", "id"},
        {"prompt_notifications", "id"},
    };
    QByteArray out;
    for (const auto &t : tables) {
        bool ok = false;
        const QString sql = QStringLiteral("COPY (SELECT * FROM agentops.%1 ORDER BY %2) TO STDOUT")
                                .arg(QLatin1String(t[0]), QLatin1String(t[1]));
        const QByteArray rows = pg.psql(db, sql, &ok);
        if (!ok) {
            *error = QStringLiteral("dump of ") + QLatin1String(t[0]) + QStringLiteral(" failed");
            return {};
        }
        out += "== " + QByteArray(t[0]) + '\n' + rows;
    }
    return out;
}

} // namespace switchboard::test
