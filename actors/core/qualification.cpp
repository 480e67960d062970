// Qualification matching and requirement validation (MTurk's
// QualificationRequirement; see shared/reference/mturk-api.txt).

#include "hitd/qualification.hpp"

#include <algorithm>
#include <string>

#include "hitd/ids.hpp"
#include "hitd/limits.hpp"

namespace hitd {

const qualification_value* worker_credentials::find(std::string_view qualification_type_id) const {
  if (auto i = system_qualification::index_of(qualification_type_id); i < system.size() && system[i])
    return &*system[i];
  // The map's hash is not transparent, so the lookup needs a std::string.
  auto it = values.find(std::string(qualification_type_id));
  return it == values.end() ? nullptr : &it->second;
}

namespace {

// A worker's locale matches a required one when the countries agree and the
// requirement either names no subdivision or names the worker's.
bool locale_matches(const locale& required, const locale& actual) {
  return required.country == actual.country &&
         (required.subdivision.empty() || required.subdivision == actual.subdivision);
}

bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool valid_country(const std::string& s) {
  return s.size() == 2 && is_upper(s[0]) && is_upper(s[1]);
}

bool valid_subdivision(const std::string& s) {
  if (s.empty()) return true;
  return s.size() == 2 && std::all_of(s.begin(), s.end(), [](char c) { return is_upper(c) || is_digit(c); });
}

bool takes_locale(comparator cmp) {
  return cmp == comparator::equal_to || cmp == comparator::not_equal_to ||
         cmp == comparator::in || cmp == comparator::not_in;
}

errc fail(std::string* why, size_t index, std::string_view message) {
  if (why != nullptr) {
    *why = "QualificationRequirements[" + std::to_string(index) + "]: ";
    why->append(message);
  }
  return errc::invalid_parameter_value;
}

// Equality (EqualTo, In) between the worker's value and one of the
// requirement's values; nullopt when the kinds do not fit (an integer
// qualification against locale values or the other way round, or a
// requirement with no values at all), which fails every comparator.
std::optional<bool> any_equal(const qualification_requirement& req, const qualification_value& value,
                              bool first_only) {
  if (!req.locale_values.empty()) {
    if (!value.locale_value) return std::nullopt;
    auto last = first_only ? req.locale_values.begin() + 1 : req.locale_values.end();
    return std::any_of(req.locale_values.begin(), last,
                       [&](const locale& l) { return locale_matches(l, *value.locale_value); });
  }
  if (!req.integer_values.empty()) {
    if (!value.integer) return std::nullopt;
    auto last = first_only ? req.integer_values.begin() + 1 : req.integer_values.end();
    return std::find(req.integer_values.begin(), last, *value.integer) != last;
  }
  return std::nullopt;
}

} // namespace

bool requirement_met(const qualification_requirement& req, const qualification_value* value) {
  if (req.cmp == comparator::does_not_exist) return value == nullptr;
  if (value == nullptr) return false;
  switch (req.cmp) {
    case comparator::exists:
      return true;
    case comparator::less_than:
    case comparator::less_than_or_equal_to:
    case comparator::greater_than:
    case comparator::greater_than_or_equal_to: {
      if (!value->integer || req.integer_values.empty()) return false;
      const int32_t have = *value->integer;
      const int32_t want = req.integer_values.front();
      switch (req.cmp) {
        case comparator::less_than: return have < want;
        case comparator::less_than_or_equal_to: return have <= want;
        case comparator::greater_than: return have > want;
        default: return have >= want;
      }
    }
    case comparator::equal_to:
    case comparator::not_equal_to: {
      auto eq = any_equal(req, *value, true);
      if (!eq) return false;
      return req.cmp == comparator::equal_to ? *eq : !*eq;
    }
    case comparator::in:
    case comparator::not_in: {
      auto member = any_equal(req, *value, false);
      if (!member) return false;
      return req.cmp == comparator::in ? *member : !*member;
    }
    case comparator::does_not_exist:
      break;   // handled above
  }
  return false;
}

bool allowed_actions::allows(hit_action a) const {
  switch (a) {
    case hit_action::discover: return discover;
    case hit_action::preview: return preview;
    case hit_action::accept: return accept;
  }
  return false;
}

allowed_actions evaluate_requirements(std::span<const qualification_requirement> reqs,
                                      const worker_credentials& worker) {
  allowed_actions out;
  for (const auto& req : reqs) {
    if (requirement_met(req, worker.find(req.qualification_type_id))) continue;
    switch (req.guards) {
      case guarded_action::discover_preview_and_accept:
        out.discover = false;
        [[fallthrough]];
      case guarded_action::preview_and_accept:
        out.preview = false;
        [[fallthrough]];
      case guarded_action::accept:
        out.accept = false;
        break;
    }
  }
  return out;
}

errc validate_requirements(std::span<const qualification_requirement> reqs, std::string* why) {
  if (reqs.size() > limits::requirements_per_hit_max) {
    if (why != nullptr) {
      *why = "QualificationRequirements: at most " + std::to_string(limits::requirements_per_hit_max) +
             " requirements are allowed, got " + std::to_string(reqs.size());
    }
    return errc::invalid_parameter_value;
  }
  for (size_t i = 0; i < reqs.size(); ++i) {
    const auto& req = reqs[i];
    if (!is_entity_id(req.qualification_type_id)) {
      return fail(why, i, "QualificationTypeId must match ^[A-Z0-9]+$ (1..64 characters)");
    }
    const bool locale_type = req.qualification_type_id == system_qualification::locale;
    const size_t n_int = req.integer_values.size();
    const size_t n_loc = req.locale_values.size();
    if (n_int > 0 && n_loc > 0) {
      return fail(why, i, "IntegerValues and LocaleValues cannot both be given");
    }
    if (n_loc > 0 && !locale_type) {
      return fail(why, i, "LocaleValues can only be used with the Worker_Locale qualification type");
    }
    if (n_loc > 0 && !takes_locale(req.cmp)) {
      return fail(why, i, "LocaleValues can only be used with EqualTo, NotEqualTo, In and NotIn");
    }
    if (n_int > 0 && locale_type) {
      return fail(why, i, "IntegerValues cannot be used with the Worker_Locale qualification type");
    }
    switch (req.cmp) {
      case comparator::exists:
      case comparator::does_not_exist:
        if (n_int + n_loc != 0) return fail(why, i, "Exists and DoesNotExist take no values");
        break;
      case comparator::less_than:
      case comparator::less_than_or_equal_to:
      case comparator::greater_than:
      case comparator::greater_than_or_equal_to:
        if (n_int != 1) return fail(why, i, "LessThan, LessThanOrEqualTo, GreaterThan and "
                                            "GreaterThanOrEqualTo take exactly one IntegerValue");
        break;
      case comparator::equal_to:
      case comparator::not_equal_to:
        if (n_int + n_loc != 1) {
          return fail(why, i, "EqualTo and NotEqualTo take exactly one IntegerValue or one LocaleValue");
        }
        break;
      case comparator::in:
      case comparator::not_in:
        if (n_int + n_loc == 0) return fail(why, i, "In and NotIn take at least one value");
        if (n_int > limits::requirement_integer_values_max) {
          return fail(why, i, "In and NotIn take at most " +
                                  std::to_string(limits::requirement_integer_values_max) + " IntegerValues");
        }
        if (n_loc > limits::requirement_locale_values_max) {
          return fail(why, i, "In and NotIn take at most " +
                                  std::to_string(limits::requirement_locale_values_max) + " LocaleValues");
        }
        break;
      default:
        return fail(why, i, "unknown Comparator");
    }
    for (const auto& l : req.locale_values) {
      if (!valid_country(l.country)) {
        return fail(why, i, "Locale Country must be two uppercase letters, got \"" + l.country + "\"");
      }
      if (!valid_subdivision(l.subdivision)) {
        return fail(why, i, "Locale Subdivision must be empty or two uppercase letters or digits, got \"" +
                                l.subdivision + "\"");
      }
    }
  }
  return errc::none;
}

} // namespace hitd
