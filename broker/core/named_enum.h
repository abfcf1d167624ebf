// An enum whose enumerators have names for metrics and logs, declared from one X-macro list
// so that adding an enumerator is one line:
//
//   #define MY_REASONS(X) X(kSlow, "slow") X(kGone, "gone")
//   enum class Reason : uint8_t { MY_REASONS(HERALD_ENUMERATOR) };
//   inline constexpr std::string_view kReasonNames[] = {MY_REASONS(HERALD_ENUMERATOR_NAME)};
#ifndef HERALD_BROKER_CORE_NAMED_ENUM_H_
#define HERALD_BROKER_CORE_NAMED_ENUM_H_

#define HERALD_ENUMERATOR(enumerator, name) enumerator,
#define HERALD_ENUMERATOR_NAME(enumerator, name) name,

#endif  // HERALD_BROKER_CORE_NAMED_ENUM_H_
