#include "support/TestCa.h"

#include <QFile>
#include <QProcess>

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace switchboard::test {

namespace {
QString path(const QTemporaryDir &dir, const char *name)
{
    return dir.filePath(QString::fromLatin1(name));
}
} // namespace

TestCa::TestCa(const QStringList &extraServerNames)
    : m_dir(std::make_unique<QTemporaryDir>())
{
    if (!m_dir->isValid()) {
        m_error = QStringLiteral("cannot create a temp dir for the CA");
        return;
    }
    // Postgres (running as the postgres user) must be able to read the CA file.
    ::chmod(QFile::encodeName(m_dir->path()).constData(), 0755);

    QString san = QStringLiteral("subjectAltName=DNS:localhost,IP:127.0.0.1");
    for (const QString &name : extraServerNames)
        san += QStringLiteral(",DNS:") + name;
    QFile ext(path(*m_dir, "server.ext"));
    if (!ext.open(QIODevice::WriteOnly) || ext.write(san.toUtf8() + '\n') < 0) {
        m_error = QStringLiteral("cannot write server.ext");
        return;
    }
    ext.close();

    const auto p = [this](const char *name) {
        return path(*m_dir, name);
    };
    const bool ok = run({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                         QStringLiteral("rsa:2048"), QStringLiteral("-nodes"),
                         QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                         QStringLiteral("/CN=Switchboard Test CA"), QStringLiteral("-keyout"),
                         p("ca.key"), QStringLiteral("-out"), p("ca.crt")})
        && run({QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
                QStringLiteral("2"), QStringLiteral("-subj"), QStringLiteral("/CN=Some Other CA"),
                QStringLiteral("-keyout"), p("other-ca.key"), QStringLiteral("-out"),
                p("other-ca.crt")})
        && run({QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                QStringLiteral("-nodes"), QStringLiteral("-subj"), QStringLiteral("/CN=localhost"),
                QStringLiteral("-keyout"), p("server.key"), QStringLiteral("-out"),
                p("server.csr")})
        && run({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                p("server.csr"), QStringLiteral("-CA"), p("ca.crt"), QStringLiteral("-CAkey"),
                p("ca.key"), QStringLiteral("-CAcreateserial"), QStringLiteral("-days"),
                QStringLiteral("2"), QStringLiteral("-extfile"), p("server.ext"),
                QStringLiteral("-out"), p("server.crt")})
        && run({QStringLiteral("req"), QStringLiteral("-newkey"), QStringLiteral("rsa:2048"),
                QStringLiteral("-nodes"), QStringLiteral("-subj"),
                QStringLiteral("/CN=switchboard-test"), QStringLiteral("-keyout"), p("client.key"),
                QStringLiteral("-out"), p("client.csr")})
        && run({QStringLiteral("x509"), QStringLiteral("-req"), QStringLiteral("-in"),
                p("client.csr"), QStringLiteral("-CA"), p("ca.crt"), QStringLiteral("-CAkey"),
                p("ca.key"), QStringLiteral("-CAcreateserial"), QStringLiteral("-days"),
                QStringLiteral("2"), QStringLiteral("-out"), p("client.crt")});
    if (!ok)
        return;
    for (const char *name : {"ca.crt", "other-ca.crt", "server.crt", "client.crt"})
        ::chmod(QFile::encodeName(p(name)).constData(), 0644);
    for (const char *name : {"server.key", "client.key", "ca.key", "other-ca.key"})
        ::chmod(QFile::encodeName(p(name)).constData(), 0600);
}

bool TestCa::run(const QStringList &args)
{
    QProcess openssl;
    openssl.start(QStringLiteral("openssl"), args);
    if (!openssl.waitForFinished(60000) || openssl.exitStatus() != QProcess::NormalExit
        || openssl.exitCode() != 0) {
        m_error = QStringLiteral("openssl %1 failed: %2")
                      .arg(args.join(QLatin1Char(' ')),
                           QString::fromLocal8Bit(openssl.readAllStandardError()));
        return false;
    }
    return true;
}

QString TestCa::dir() const
{
    return m_dir->path();
}
QString TestCa::caCert() const
{
    return path(*m_dir, "ca.crt");
}
QString TestCa::serverCert() const
{
    return path(*m_dir, "server.crt");
}
QString TestCa::serverKey() const
{
    return path(*m_dir, "server.key");
}
QString TestCa::clientCert() const
{
    return path(*m_dir, "client.crt");
}
QString TestCa::clientKey() const
{
    return path(*m_dir, "client.key");
}
QString TestCa::otherCaCert() const
{
    return path(*m_dir, "other-ca.crt");
}

bool TestCa::installServerFilesFor(const QString &user, const QString &targetDir, QString *keyPath,
                                   QString *certPath) const
{
    const QString key = targetDir + QStringLiteral("/server.key");
    const QString cert = targetDir + QStringLiteral("/server.crt");
    QFile::remove(key);
    QFile::remove(cert);
    if (!QFile::copy(serverKey(), key) || !QFile::copy(serverCert(), cert))
        return false;
    ::chmod(QFile::encodeName(key).constData(), 0600);
    ::chmod(QFile::encodeName(cert).constData(), 0644);
    if (::geteuid() == 0 && !user.isEmpty()) {
        const struct passwd *pw = ::getpwnam(user.toLocal8Bit().constData());
        if (!pw)
            return false;
        if (::chown(QFile::encodeName(key).constData(), pw->pw_uid, pw->pw_gid) != 0
            || ::chown(QFile::encodeName(cert).constData(), pw->pw_uid, pw->pw_gid) != 0)
            return false;
    }
    if (keyPath)
        *keyPath = key;
    if (certPath)
        *certPath = cert;
    return true;
}

} // namespace switchboard::test
