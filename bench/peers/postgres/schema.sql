-- The PostgreSQL peer of hitd's lifecycle benchmarks: the dispatcher most
-- teams would build on PostgreSQL, made as fast as that design allows.
--
--   requesters, workers, hits, assignments: the marketplace's rows;
--   accounts + transfers + entries: a double-entry ledger in exact cents.
--
-- Every step of a lifecycle (create a HIT, accept, submit, approve) is one
-- PL/pgSQL function called through a prepared statement: one round trip and
-- one transaction per step, as a service commits them. Money rules:
--   * a HIT's escrow is its own account (kind 3, owner = HIT id), so paying
--     out of it locks nothing other HITs need;
--   * hot balances are split in shards, the common cure for a hot row: the
--     platform's fee account in 64 (kind 1, owner 0, shard 0-63) and each
--     requester's spendable balance in 16 (kind 2, owner = requester, shard
--     0-15; the deposit spread evenly). A payment takes whichever shard no
--     other transaction holds (FOR UPDATE SKIP LOCKED, starting from the
--     HIT's own), and waits only when all are taken. A hold that no single
--     shard covers takes from several (all of them locked, in order); the
--     balance is the sum of the shards.
-- Balances never go below zero except the external account (kind 0: the
-- world outside, credited by nothing, debited by deposits): a CHECK
-- constraint, so an overdraft aborts the transaction.
--
-- Amounts come from the client, computed with hitd::core's fee functions
-- (bench/peers/postgres/pg_lifecycle.cpp), so both sides do the same
-- arithmetic.

CREATE TABLE requesters (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE workers (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  blocked        boolean NOT NULL DEFAULT false,
  daily_cap      integer NOT NULL,
  accepts_day    date,
  accepts_today  integer NOT NULL DEFAULT 0,
  submitted      bigint NOT NULL DEFAULT 0,
  approved       bigint NOT NULL DEFAULT 0,
  created_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE hits (
  id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  requester_id            bigint NOT NULL REFERENCES requesters,
  title                   text NOT NULL,
  description             text NOT NULL,
  question                text NOT NULL,
  reward                  bigint NOT NULL CHECK (reward >= 0),     -- cents
  fee                     bigint NOT NULL CHECK (fee >= 0),        -- cents, per approved assignment
  max_assignments         integer NOT NULL CHECK (max_assignments > 0),
  available               integer NOT NULL CHECK (available >= 0),
  assignment_duration_s   integer NOT NULL,
  auto_approval_delay_s   integer NOT NULL,
  created_at              timestamptz NOT NULL DEFAULT now(),
  expires_at              timestamptz NOT NULL
);
CREATE INDEX hits_requester ON hits (requester_id);

CREATE TABLE assignments (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  hit_id           bigint NOT NULL REFERENCES hits,
  worker_id        bigint NOT NULL REFERENCES workers,
  status           smallint NOT NULL,   -- 1 accepted, 2 submitted, 3 approved, 4 rejected
  accepted_at      timestamptz NOT NULL,
  deadline         timestamptz NOT NULL,
  submitted_at     timestamptz,
  auto_approve_at  timestamptz,
  answer           text,
  approved_at      timestamptz,
  feedback         text,
  UNIQUE (hit_id, worker_id)           -- a worker takes a HIT at most once
);
CREATE INDEX assignments_worker ON assignments (worker_id);
-- What the auto-approval sweep reads: submitted assignments by due time.
CREATE INDEX assignments_auto_approve ON assignments (auto_approve_at) WHERE status = 2;

-- kind: 0 external, 1 platform (owner = shard), 2 requester, 3 HIT escrow
-- (owner = HIT id), 4 worker.
CREATE TABLE accounts (
  id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  kind     smallint NOT NULL,
  owner    bigint NOT NULL,
  shard    smallint NOT NULL DEFAULT 0,
  balance  bigint NOT NULL DEFAULT 0,
  UNIQUE (kind, owner, shard),
  CHECK (kind = 0 OR balance >= 0)
);

-- A transfer's id is its idempotency key ('H<hit>:hold', 'A<assignment>:pay',
-- ...): posting it twice is refused by the primary key.
CREATE TABLE transfers (
  id          text PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Its entries sum to zero per transfer.
CREATE TABLE entries (
  transfer_id  text NOT NULL REFERENCES transfers,
  leg          smallint NOT NULL,
  account_id   bigint NOT NULL REFERENCES accounts,
  amount       bigint NOT NULL,
  PRIMARY KEY (transfer_id, leg)
);
CREATE INDEX entries_account ON entries (account_id);   -- statements per account

INSERT INTO accounts (kind, owner) VALUES (0, 0);
INSERT INTO accounts (kind, owner, shard) SELECT 1, 0, s FROM generate_series(0, 63) s;

-- The id of an account shard of (kind, owner) that no other transaction
-- holds, locked, trying shards from `start` on (modulo n) and, with
-- p_min, only shards holding at least that much; NULL when there is none.
CREATE FUNCTION free_shard(p_kind smallint, p_owner bigint, p_n integer, p_start integer, p_min bigint)
RETURNS bigint LANGUAGE sql AS $$
  SELECT id FROM accounts
   WHERE kind = p_kind AND owner = p_owner AND balance >= p_min
   ORDER BY (shard - p_start + p_n) % p_n
   LIMIT 1 FOR UPDATE SKIP LOCKED
$$;

-- A requester with a deposit of p_amount cents from outside, spread over
-- its 16 balance shards.
CREATE FUNCTION requester_create(p_name text, p_amount bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  rid bigint; ext bigint; t text;
BEGIN
  INSERT INTO requesters (name) VALUES (p_name) RETURNING id INTO rid;
  INSERT INTO accounts (kind, owner, shard, balance)
  SELECT 2, rid, s, p_amount / 16 + CASE WHEN s = 0 THEN p_amount % 16 ELSE 0 END FROM generate_series(0, 15) s;
  UPDATE accounts SET balance = balance - p_amount WHERE kind = 0 AND owner = 0 RETURNING id INTO ext;
  t := 'R' || rid || ':deposit';
  INSERT INTO transfers (id) VALUES (t);
  INSERT INTO entries VALUES (t, 0, ext, -p_amount);
  INSERT INTO entries SELECT t, 1 + shard, id, balance FROM accounts WHERE kind = 2 AND owner = rid;
  RETURN rid;
END $$;

CREATE FUNCTION worker_create(p_daily_cap integer) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  wid bigint;
BEGIN
  INSERT INTO workers (daily_cap) VALUES (p_daily_cap) RETURNING id INTO wid;
  INSERT INTO accounts (kind, owner) VALUES (4, wid);
  RETURN wid;
END $$;

-- CreateHIT: the HIT and its escrow, p_hold (= hitd::publish_hold) moved
-- from the requester's balance: from a free shard that covers it, else
-- from as many shards as it takes (all locked, in shard order). The
-- requester's shards are taken last, so held for the shortest time.
-- Insufficient funds: an exception, and nothing is kept.
CREATE FUNCTION hit_create(p_requester bigint, p_reward bigint, p_fee bigint, p_hold bigint,
                           p_max integer, p_lifetime_s integer, p_duration_s integer,
                           p_auto_approval_s integer, p_title text, p_description text,
                           p_question text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  hid bigint; escrow bigint; acc bigint; t text; need bigint; leg smallint := 1; take bigint; r record;
BEGIN
  INSERT INTO hits (requester_id, title, description, question, reward, fee, max_assignments,
                    available, assignment_duration_s, auto_approval_delay_s, expires_at)
  VALUES (p_requester, p_title, p_description, p_question, p_reward, p_fee, p_max,
          p_max, p_duration_s, p_auto_approval_s, now() + make_interval(secs => p_lifetime_s))
  RETURNING id INTO hid;
  INSERT INTO accounts (kind, owner, balance) VALUES (3, hid, p_hold) RETURNING id INTO escrow;
  t := 'H' || hid || ':hold';
  INSERT INTO transfers (id) VALUES (t);
  INSERT INTO entries VALUES (t, 0, escrow, p_hold);
  acc := free_shard(2::smallint, p_requester, 16, (hid % 16)::integer, p_hold);
  IF acc IS NOT NULL THEN
    UPDATE accounts SET balance = balance - p_hold WHERE id = acc;
    INSERT INTO entries VALUES (t, 1, acc, -p_hold);
    RETURN hid;
  END IF;
  -- No free shard covers it: wait for all of them.
  need := p_hold;
  FOR r IN SELECT id, balance FROM accounts WHERE kind = 2 AND owner = p_requester ORDER BY shard FOR UPDATE LOOP
    EXIT WHEN need = 0;
    take := least(need, r.balance);
    CONTINUE WHEN take = 0;
    UPDATE accounts SET balance = balance - take WHERE id = r.id;
    INSERT INTO entries VALUES (t, leg, r.id, -take);
    leg := leg + 1;
    need := need - take;
  END LOOP;
  IF leg = 1 AND NOT EXISTS (SELECT 1 FROM requesters WHERE id = p_requester) THEN
    RAISE EXCEPTION 'no requester %', p_requester USING ERRCODE = 'no_data_found';
  END IF;
  IF need > 0 THEN
    RAISE EXCEPTION 'insufficient funds: requester % lacks % cents', p_requester, need
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN hid;
END $$;

-- AcceptHIT: a conditional update takes a slot (never below zero, only
-- while the HIT is unexpired); the worker's daily count goes up unless
-- blocked or at the cap; the unique (hit, worker) refuses a second take.
CREATE FUNCTION hit_accept(p_hit bigint, p_worker bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  dur integer; aid bigint;
BEGIN
  UPDATE hits SET available = available - 1
   WHERE id = p_hit AND available > 0 AND expires_at > now()
  RETURNING assignment_duration_s INTO dur;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'HIT % is not assignable', p_hit USING ERRCODE = 'check_violation';
  END IF;
  UPDATE workers
     SET accepts_today = CASE WHEN accepts_day = current_date THEN accepts_today + 1 ELSE 1 END,
         accepts_day = current_date
   WHERE id = p_worker AND NOT blocked
     AND (accepts_day IS DISTINCT FROM current_date OR accepts_today < daily_cap);
  IF NOT FOUND THEN
    RAISE EXCEPTION 'worker % may not accept', p_worker USING ERRCODE = 'check_violation';
  END IF;
  INSERT INTO assignments (hit_id, worker_id, status, accepted_at, deadline)
  VALUES (p_hit, p_worker, 1, now(), now() + make_interval(secs => dur))
  RETURNING id INTO aid;
  RETURN aid;
END $$;

-- SubmitAssignment: only the assignment's worker, only before its deadline.
CREATE FUNCTION assignment_submit(p_assignment bigint, p_worker bigint, p_answer text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE assignments a
     SET status = 2, submitted_at = now(), answer = p_answer,
         auto_approve_at = now() + make_interval(secs => h.auto_approval_delay_s)
    FROM hits h
   WHERE a.id = p_assignment AND a.worker_id = p_worker AND a.status = 1 AND a.deadline > now()
     AND h.id = a.hit_id;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'assignment % cannot be submitted', p_assignment USING ERRCODE = 'check_violation';
  END IF;
  UPDATE workers SET submitted = submitted + 1 WHERE id = p_worker;
END $$;

-- ApproveAssignment: only the HIT's requester, only a submitted assignment.
-- Pays the reward to the worker and the fee to the platform out of the
-- HIT's escrow ('A<assignment>:pay', idempotent); once the HIT has no open
-- slot and no work in progress, what is left in its escrow goes back to the
-- requester ('H<hit>:release').
CREATE FUNCTION assignment_approve(p_assignment bigint, p_requester bigint, p_feedback text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  hid bigint; wid bigint; rew bigint; f bigint; open_slots integer;
  escrow bigint; left_over bigint; wacc bigint; pacc bigint; racc bigint; t text;
BEGIN
  UPDATE assignments a SET status = 3, approved_at = now(), feedback = p_feedback
    FROM hits h
   WHERE a.id = p_assignment AND a.status = 2 AND h.id = a.hit_id AND h.requester_id = p_requester
  RETURNING a.hit_id, a.worker_id, h.reward, h.fee, h.available INTO hid, wid, rew, f, open_slots;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'assignment % cannot be approved', p_assignment USING ERRCODE = 'check_violation';
  END IF;
  t := 'A' || p_assignment || ':pay';
  INSERT INTO transfers (id) VALUES (t);
  UPDATE accounts SET balance = balance - (rew + f) WHERE kind = 3 AND owner = hid
  RETURNING id, balance INTO escrow, left_over;
  UPDATE accounts SET balance = balance + rew WHERE kind = 4 AND owner = wid RETURNING id INTO wacc;
  pacc := coalesce(free_shard(1::smallint, 0, 64, (hid % 64)::integer, 0),
                   (SELECT id FROM accounts WHERE kind = 1 AND owner = 0 AND shard = hid % 64));
  UPDATE accounts SET balance = balance + f WHERE id = pacc;
  INSERT INTO entries VALUES (t, 0, escrow, -(rew + f)), (t, 1, wacc, rew), (t, 2, pacc, f);
  UPDATE workers SET approved = approved + 1 WHERE id = wid;
  IF left_over > 0 AND open_slots = 0
     AND NOT EXISTS (SELECT 1 FROM assignments WHERE hit_id = hid AND status IN (1, 2)) THEN
    t := 'H' || hid || ':release';
    INSERT INTO transfers (id) VALUES (t);
    UPDATE accounts SET balance = 0 WHERE id = escrow;
    racc := coalesce(free_shard(2::smallint, p_requester, 16, (hid % 16)::integer, 0),
                     (SELECT id FROM accounts WHERE kind = 2 AND owner = p_requester AND shard = hid % 16));
    UPDATE accounts SET balance = balance + left_over WHERE id = racc;
    INSERT INTO entries VALUES (t, 0, escrow, -left_over), (t, 1, racc, left_over);
  END IF;
END $$;
