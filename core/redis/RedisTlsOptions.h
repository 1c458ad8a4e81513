#pragma once
#include <QSslConfiguration>
#include <QString>

namespace switchboard {

// TLS settings of one Redis connection. Verification is on unless explicitly turned off:
// the console talks to production, a silently unverified link is not acceptable.
struct RedisTlsOptions
{
    QString caFile; // PEM; empty = the system CA store
    bool verifyPeer = true;
    bool verifyHostName = true;
    QString clientCertFile; // optional client certificate (PEM)
    QString clientKeyFile;
    QString serverName; // name to verify / send as SNI; empty = the host connected to

    // The socket configuration for these options; on a missing or unreadable file
    // *error says which (and the connection must not be attempted).
    QSslConfiguration toSslConfiguration(QString *error) const;
};

} // namespace switchboard
