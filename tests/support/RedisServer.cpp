#include "support/RedisServer.h"
// Implemented by the fixture work (issue 2).
