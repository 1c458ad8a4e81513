#include "support/Ports.h"

#include <QTcpServer>

namespace switchboard::test {

int freeLoopbackPort()
{
    QTcpServer server;
    if (!server.listen(QHostAddress::LocalHost, 0))
        return 0;
    const int port = server.serverPort();
    server.close();
    return port;
}

} // namespace switchboard::test
