#include "core/redis/RedisTlsOptions.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>
#include <QSslSocket>

namespace switchboard {

QSslConfiguration RedisTlsOptions::toSslConfiguration(QString *error) const
{
    QSslConfiguration conf = QSslConfiguration::defaultConfiguration();
    if (!caFile.isEmpty()) {
        const QList<QSslCertificate> cas = QSslCertificate::fromPath(caFile, QSsl::Pem);
        if (cas.isEmpty()) {
            *error = QStringLiteral("TLS: cannot read a CA certificate from %1").arg(caFile);
            return conf;
        }
        conf.setCaCertificates(cas);
    }
    conf.setPeerVerifyMode(verifyPeer ? QSslSocket::VerifyPeer : QSslSocket::VerifyNone);
    if (!clientCertFile.isEmpty()) {
        QFile certFile(clientCertFile);
        QFile keyFile(clientKeyFile);
        if (!certFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("TLS: cannot read the client certificate %1 or key %2")
                         .arg(clientCertFile, clientKeyFile);
            return conf;
        }
        const QByteArray keyPem = keyFile.readAll();
        QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
        if (key.isNull())
            key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
        const QSslCertificate cert(certFile.readAll(), QSsl::Pem);
        if (key.isNull() || cert.isNull()) {
            *error = QStringLiteral("TLS: %1 or %2 is not a PEM certificate / key")
                         .arg(clientCertFile, clientKeyFile);
            return conf;
        }
        conf.setLocalCertificate(cert);
        conf.setPrivateKey(key);
    }
    return conf;
}

} // namespace switchboard
