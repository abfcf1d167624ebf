// heraldd's options: every setting is an absl flag (defined in options.cc), which the config
// file and HERALD_* environment variables set too (see config.h). OptionsFromFlags turns
// their current values into the BrokerOptions heraldd starts with.
//
//   absl::StatusOr<herald::BrokerOptions> options = herald::heraldd::OptionsFromFlags();
#ifndef HERALD_BROKER_HERALDD_OPTIONS_H_
#define HERALD_BROKER_HERALDD_OPTIONS_H_

#include "absl/status/statusor.h"
#include "broker/broker.h"

namespace herald::heraldd {

// InvalidArgument for a value no setting check catches (a malformed Redis URL, a short token
// secret); NotFound for a file that cannot be read.
absl::StatusOr<BrokerOptions> OptionsFromFlags();

}  // namespace herald::heraldd

#endif  // HERALD_BROKER_HERALDD_OPTIONS_H_
