// The embedding example from docs/embedding.md: a requester publishes HITs,
// workers accept and submit, approval pays, and the balances show where every
// cent went. CI builds and runs it (ctest: embedding_example).
#include <hitd/hitd.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

template <class T>
T must(hitd::result<T> r, const char* what) {
  if (!r.ok()) {
    std::fprintf(stderr, "%s failed: %s (%s)\n", what, r.err().message.c_str(),
                 std::string{hitd::mturk_code(r.code())}.c_str());
    std::exit(1);
  }
  return std::move(r).value();
}

} // namespace

int main() {
  // A manual clock lets the example jump past the auto-approval delay.
  auto clock = std::make_shared<hitd::manual_clock>(1'767'225'600'000);   // 2026-01-01
  hitd::engine engine{{.config = {}, .clock = clock, .store = nullptr}};

  size_t events = 0;
  engine.subscribe([&](const hitd::event&) { ++events; });   // called on engine threads, in order

  auto requester = must(engine.create_requester({"Acme Research"}), "create requester");
  must(engine.deposit(requester, hitd::cents(10'000), "deposit-1"), "deposit");   // $100.00

  hitd::hit_properties props;
  props.title = "Label a photo";
  props.description = "Say what is in the picture";
  props.keywords = "image, label";
  props.reward = hitd::cents(50);                  // $0.50
  props.assignment_duration_s = 600;
  props.auto_approval_delay_s = 3 * 86'400;        // three days
  auto type = must(engine.create_hit_type(requester, props), "create HIT type");

  std::vector<std::string> workers;
  for (int i = 0; i < 3; ++i)
    workers.push_back(must(engine.create_worker({}), "create worker"));

  // One HIT, three assignments: $0.50 reward + $0.10 fee each is held.
  hitd::create_hit_request req;
  req.requester_id = requester;
  req.hit_type_id = type;
  req.max_assignments = 3;
  req.lifetime_s = 3'600;
  req.question = "<HTMLQuestion>...</HTMLQuestion>";
  auto hit = must(engine.create_hit(req), "create HIT");
  auto held = must(engine.get_account_balance(requester), "balance");
  std::printf("published %s: available $%s, held $%s\n", hit.hit_id.c_str(),
              hitd::format_amount(held.available).c_str(), hitd::format_amount(held.on_hold).c_str());

  std::vector<std::string> assignments;
  for (const auto& w : workers) {
    auto a = must(engine.accept({w, hit.hit_id, "accept-" + w}), "accept");
    must(engine.submit({w, a.assignment_id, "<QuestionFormAnswers/>", "submit-" + w}), "submit");
    assignments.push_back(a.assignment_id);
  }
  must(engine.approve_assignment({requester, assignments[0], "Thanks!", false}), "approve");
  must(engine.reject_assignment(requester, assignments[1], "The label is empty"), "reject");
  engine.advance_clock(hitd::days(3));   // the third is approved automatically

  engine.drain();
  auto after = must(engine.get_account_balance(requester), "balance");
  auto books = must(engine.audit_ledger(), "audit");
  std::printf("after review: available $%s, held $%s\n", hitd::format_amount(after.available).c_str(),
              hitd::format_amount(after.on_hold).c_str());
  for (const auto& w : workers) {
    auto d = must(engine.dashboard(w), "dashboard");
    std::printf("worker %s earned $%s (approved %lld, rejected %lld)\n", w.c_str(),
                hitd::format_amount(d.total_earnings).c_str(), static_cast<long long>(d.totals.approved),
                static_cast<long long>(d.totals.rejected));
  }
  std::printf("platform fees $%s, ledger total $%s, %zu events\n", hitd::format_amount(books.platform).c_str(),
              hitd::format_amount(books.total).c_str(), events);
  // Two approvals of $0.50 + $0.10: $98.80 left, nothing held, books balanced.
  bool ok = after.available == hitd::cents(9'880) && after.on_hold == hitd::cents(0) &&
            books.total == hitd::cents(0) && books.platform == hitd::cents(20);
  std::printf("%s\n", ok ? "balances check out" : "BALANCES DO NOT ADD UP");
  return ok ? 0 : 1;
}
