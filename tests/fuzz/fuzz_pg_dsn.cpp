// The Postgres connection strings an operator gives (--pg, --pg-replica, a profile):
// PgConfig::normalize (what libpq is handed), PgConfig::describe (what messages show),
// ConnectionProfile::pgDsnWithPassword (the keychain's password added in memory) and the
// profile check on the same text (ConnectionProfile::validate).
// Invariants: never throws; a DSN libpq refuses is refused with a reason; the normalized
// string parses in libpq to the same keywords and values plus application_name; describe()
// never shows the password; the password is added so that libpq reads exactly it and
// every other keyword unchanged (for a DSN without one); a DSN the profile check accepts carries no
// password.
#include "FuzzSupport.h"
#include "core/pg/PgConfig.h"
#include "core/services/ConnectionProfile.h"

#include <QMap>

#include <libpq-fe.h>

using namespace switchboard;

namespace {

// libpq's own reading of a DSN; nullopt when it refuses it.
std::optional<QMap<QString, QString>> libpq(const QString &dsn)
{
    char *err = nullptr;
    PQconninfoOption *options = PQconninfoParse(dsn.toUtf8().constData(), &err);
    PQfreemem(err);
    if (!options)
        return std::nullopt;
    QMap<QString, QString> out;
    for (PQconninfoOption *o = options; o->keyword; ++o)
        if (o->val)
            out.insert(QString::fromUtf8(o->keyword), QString::fromUtf8(o->val));
    PQconninfoFree(options);
    return out;
}

QString show(const QMap<QString, QString> &m)
{
    QString out;
    for (auto it = m.begin(); it != m.end(); ++it)
        out += it.key() + QLatin1Char('=') + it.value() + QLatin1Char(' ');
    return out;
}

// A keyword/value DSN for libpq's reading of one: every value quoted, \\ and ' escaped.
QString keywords(const QMap<QString, QString> &m)
{
    QString out;
    for (auto it = m.begin(); it != m.end(); ++it) {
        QString v = it.value();
        v.replace(QLatin1Char('\\'), QStringLiteral("\\\\"));
        v.replace(QLatin1Char('\''), QStringLiteral("\\'"));
        out += it.key() + QStringLiteral("='") + v + QStringLiteral("' ");
    }
    return out;
}

// The same server, database and settings: a URI rewritten by QUrl may spell a port with
// fewer zeros or a host name in lower case.
bool sameConnection(const QMap<QString, QString> &a, const QMap<QString, QString> &b)
{
    if (a.keys() != b.keys())
        return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
        const QString &other = b.value(it.key());
        bool n1 = false, n2 = false;
        if (it.key() == QLatin1String("port") && it.value().toInt(&n1) == other.toInt(&n2) && n1
            && n2)
            continue;
        if (it.key() == QLatin1String("host")
            && it.value().compare(other, Qt::CaseInsensitive) == 0)
            continue;
        if (it.value() != other)
            return false;
    }
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray raw = fuzz::bytes(data, size);
    if (raw.contains('\0'))
        return 0; // libpq reads C strings: the console never hands it a NUL
    const QString dsn = QString::fromUtf8(raw);
    const auto given = libpq(dsn);

    QString error;
    const std::string normalized = PgConfig::normalize(dsn, 5, &error);
    if (!given) {
        FUZZ_CHECK(normalized.empty() && !error.isEmpty(), error);
    } else {
        FUZZ_CHECK(!normalized.empty(), error);
        const auto back = libpq(QString::fromStdString(normalized));
        FUZZ_CHECK(back.has_value(), QString::fromStdString(normalized));
        for (auto it = given->begin(); it != given->end(); ++it)
            FUZZ_CHECK(back->value(it.key()) == it.value(),
                       it.key() + QStringLiteral(": '") + it.value() + QStringLiteral("' became '")
                           + back->value(it.key()) + QStringLiteral("' in ")
                           + QString::fromStdString(normalized));
        FUZZ_CHECK(back->contains(QStringLiteral("application_name")), show(*back));

        const QString password = given->value(QStringLiteral("password"));
        const QString shown = PgConfig(dsn).describe(PgTarget::Primary);
        bool incidental = false; // the password happens to be (part of) what is shown anyway
        for (const char *k : {"host", "hostaddr", "port", "dbname", "user", "service"})
            incidental |= given->value(QLatin1String(k)).contains(password);
        // ... or in what is shown for the same DSN without a password: the defaults
        // ("localhost:5432/" shows "host" when the password is "host").
        QMap<QString, QString> withoutPassword = *given;
        withoutPassword.remove(QStringLiteral("password"));
        incidental
            |= PgConfig(keywords(withoutPassword)).describe(PgTarget::Primary).contains(password);
        if (password.size() >= 4 && !incidental)
            FUZZ_CHECK(!shown.contains(password), shown);
    }

    const QString secret = QStringLiteral("pw 'q\\\" x");
    // (A DSN that already has a password keeps it: libpq reads ?password= after the
    // user-info. The profile check and the command line refuse those.)
    if (given && !dsn.trimmed().isEmpty() && !given->contains(QStringLiteral("password"))) {
        const QString with = ConnectionProfile::pgDsnWithPassword(dsn, secret);
        const auto read = libpq(with);
        FUZZ_CHECK(read.has_value(), with);
        FUZZ_CHECK(read->value(QStringLiteral("password")) == secret, show(*read));
        QMap<QString, QString> others = *read;
        others.remove(QStringLiteral("password"));
        QMap<QString, QString> before = *given;
        before.remove(QStringLiteral("password"));
        FUZZ_CHECK(sameConnection(before, others),
                   show(before) + QStringLiteral("\nbecame\n") + show(others));
    }

    ConnectionProfile profile;
    profile.name = QStringLiteral("fuzz");
    profile.pgDsn = dsn;
    bool refused = false;
    for (const QString &p : profile.validate())
        refused |= p.contains(QLatin1String("password"));
    if (!refused && given)
        FUZZ_CHECK(given->value(QStringLiteral("password")).isEmpty()
                       && given->value(QStringLiteral("sslpassword")).isEmpty(),
                   QStringLiteral("the profile check accepts a DSN with a password: ") + dsn);
    return 0;
}
