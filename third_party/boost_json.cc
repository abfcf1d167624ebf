// Boost.JSON's definitions. Debian ships no library for Boost.JSON, so it is used
// header-only, and its definitions must be compiled in exactly one translation unit of a
// binary: this one. Depend on :boost_json instead of including <boost/json/src.hpp>.
#include <boost/json/src.hpp>
