#pragma once
#include <QString>

namespace switchboard {

// TLS settings of one Redis connection. Verification is on unless explicitly turned off:
// the console talks to production, a silently unverified link is not acceptable.
struct RedisTlsOptions
{
    QString caFile;            // PEM; empty = the system CA store
    bool verifyPeer = true;
    bool verifyHostName = true;
    QString clientCertFile;    // optional client certificate (PEM)
    QString clientKeyFile;
    QString serverName;        // name to verify / send as SNI; empty = the host connected to
};

} // namespace switchboard
