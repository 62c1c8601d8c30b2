#include "services/sqs/test_support.h"
