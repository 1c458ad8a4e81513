#pragma once
// A throwaway certificate authority made at test time with the openssl command line:
// a CA, a server certificate for localhost / 127.0.0.1 (and any extra names), a client
// certificate, and a second CA that signed none of them (for "wrong CA" tests).
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>

namespace switchboard::test {

class TestCa
{
public:
    // Creates every file; on failure isValid() is false and error() says why.
    explicit TestCa(const QStringList &extraServerNames = {});

    bool isValid() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }

    QString dir() const; // readable by every user (Postgres runs as postgres)
    QString caCert() const; // PEM
    QString serverCert() const; // CN=localhost, SAN DNS:localhost, IP:127.0.0.1
    QString serverKey() const; // mode 0600, owned by the caller
    QString clientCert() const; // CN=switchboard-test
    QString clientKey() const;
    QString otherCaCert() const; // a CA that signed nothing here

    // Copies the server key and cert into dir, chowned to user (for Postgres as root).
    bool installServerFilesFor(const QString &user, const QString &targetDir, QString *keyPath,
                               QString *certPath) const;

private:
    bool run(const QStringList &args);
    std::unique_ptr<QTemporaryDir> m_dir;
    QString m_error;
};

} // namespace switchboard::test
