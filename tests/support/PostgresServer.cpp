#include "support/PostgresServer.h"
// Implemented by the fixture work (issue 2).
