"""Review-queue claims at 10k, 100k and 1M pending images: cost must not grow with the queue.

Each size gets its own PostgreSQL database (created from one migrated template, filled with
generate_series, dropped at the end). The claims go through the site's own code
(`curation.review.services.review_claim`, then `review_record` to accept), with 1 claimer and
with 16 concurrent claimers (threads, each its own connection). Rounds alternate between the
sizes so a busy machine slows every size alike; samples are pooled per size.

Figures: claim latency p50/p99 per size and concurrency; `p99_growth_1m_vs_10k` = p99 at the
largest size / p99 at the smallest (1 claimer; goal <= 1.3; the 16-claimer figure is
reported beside it); `claim_vs_pk_select` = claim p50 / a bare primary-key SELECT's p50,
timed interleaved in the same run; `double_claims` = images held by two claimers at once
or decided more often than the policy asks (must be 0).

    python perf/queue.py                          # 10k, 100k, 1M (a few minutes)
    python perf/queue.py --sizes 10000,100000     # quicker
    python perf/queue.py --explain                # also print the claim's query plan

The last line printed is one JSON object.
"""

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on the path, and this file's name would
# hide the standard library's `queue` (psycopg needs it): put the repository root there.
sys.path[0] = str(ROOT)

GOALS = {"p99_growth_1m_vs_10k": 1.3, "double_claims": 0}
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/mmp_perf_queue"
FILL_SQL = """
    INSERT INTO core_image (source, scenario, target_type, variant, file, review_file, sha256,
        phash, size_bytes, width, height, status, fields, provenance, simulated, created_at,
        updated_at)
    SELECT 'photo', 'hiring', '', 0, 'perf/' || g || '.png', '', lpad(g::text, 64, '0'), '',
        1000, 8, 8, 'pending', '[]'::jsonb, '{}'::jsonb, false,
        now() - (%s - g) * interval '1 millisecond', now()
    FROM generate_series(1, %s) AS g
"""


def main() -> None:
    args = parse_args()
    admin = admin_connection(args.database_url)
    base = urlsplit(args.database_url).path.lstrip("/")
    databases = {size: f"{base}_{size}" for size in args.sizes}
    try:
        prepare_template(admin, args.database_url, base)
        for size, name in databases.items():
            fill(admin, base, name, size)
        report = measure_all(args, databases)
    finally:
        release_connections()
        if not args.keep:
            for name in [*databases.values(), base]:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(report, sort_keys=True))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--rounds", type=int, default=4, help="alternating rounds per size")
    parser.add_argument("--claims", type=int, default=250, help="1-claimer claims per round")
    parser.add_argument(
        "--concurrent-claims", type=int, default=16, help="claims per thread per round"
    )
    parser.add_argument("--threads", type=int, default=16, choices=range(1, 65), metavar="1..64")
    parser.add_argument("--database-url", default=os.environ.get("PERF_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--explain", action="store_true", help="print each size's claim plan")
    parser.add_argument("--keep", action="store_true", help="keep the databases afterwards")
    args = parser.parse_args()
    per_round = args.claims + args.threads * args.concurrent_claims
    if per_round * args.rounds >= min(args.sizes):
        parser.error(f"{per_round * args.rounds} claims would empty the smallest queue")
    return args


def _sizes(text: str) -> list[int]:
    try:
        sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise argparse.ArgumentTypeError("sizes are whole numbers, e.g. 10000,100000") from None
    if not sizes or sizes[0] < 1000:
        raise argparse.ArgumentTypeError("give at least one size of 1000 or more")
    return sizes


def admin_connection(url: str):
    import psycopg

    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise SystemExit(f"{url!r}: perf/queue.py needs a postgres:// URL")
    try:
        return psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True)
    except psycopg.OperationalError as error:
        raise SystemExit(f"Cannot reach PostgreSQL at {parts.netloc}: {error}") from None


def prepare_template(admin, url: str, base: str) -> None:
    """One migrated database with the annotators, copied for every size."""
    admin.execute(f'DROP DATABASE IF EXISTS "{base}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{base}"')
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "curation.settings"
    os.environ.pop("REDIS_URL", None)
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    User.objects.bulk_create(User(username=f"perf-annotator-{n:02d}") for n in range(1 + 64))
    release_connections()


def fill(admin, base: str, name: str, size: int) -> None:
    started = time.perf_counter()
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{base}"')
    use_database(name)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(FILL_SQL, [size, size])
        cursor.execute("VACUUM ANALYZE core_image")
    release_connections()
    print(f"filled {size} pending images in {time.perf_counter() - started:.1f}s", flush=True)


def use_database(name: str) -> None:
    """Point Django's default connection (in every thread) at another database."""
    from django.db import connections

    release_connections()
    connections.settings["default"]["NAME"] = name


def release_connections() -> None:
    from django.db import connections

    connections.close_all()


def measure_all(args: argparse.Namespace, databases: dict[int, str]) -> dict:
    from django.contrib.auth.models import User

    samples = {size: {"single": [], "concurrent": [], "pk": []} for size in databases}
    holds = {size: [] for size in databases}
    use_database(databases[args.sizes[0]])
    users = list(User.objects.order_by("id"))
    single, team = users[0], users[1 : 1 + args.threads]
    for round_number in range(args.rounds):
        for size, name in databases.items():
            use_database(name)
            measure_single(single, args.claims, samples[size], holds[size])
            measure_concurrent(team, args.concurrent_claims, samples[size], holds[size])
        print(f"round {round_number + 1}/{args.rounds} done", flush=True)
    doubles = 0
    for size, name in databases.items():
        use_database(name)
        doubles += overlapping_holds(holds[size]) + extra_reviews()
        if args.explain:
            explain_claim(size, users[-1])
    return summarise(samples, doubles, args)


def measure_single(user, claims: int, sink: dict, holds: list) -> None:
    from curation.core.models import Image

    top = Image.objects.order_by("-id").values_list("id", flat=True).first()
    rng = random.Random(claims)
    for _ in range(claims):
        sink["pk"].append(timed_pk_select(rng.randint(1, top)))
        claim_and_accept(user, sink["single"], holds)


def measure_concurrent(team: list, claims: int, sink: dict, holds: list) -> None:
    start = threading.Barrier(len(team))
    latencies, errors = [], []

    def work(user):
        try:
            start.wait()
            for _ in range(claims):
                claim_and_accept(user, latencies, holds)
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            release_connections()

    threads = [threading.Thread(target=work, args=(user,)) for user in team]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"a claimer failed: {errors[0]}")
    sink["concurrent"].extend(latencies)


class _NeverGold:
    def random(self) -> float:
        return 1.0


def claim_and_accept(user, latencies: list, holds: list) -> None:
    from curation.review import services

    started = time.perf_counter()
    image = services.review_claim(annotator=user, rng=_NeverGold())
    claimed = time.perf_counter()
    latencies.append(claimed - started)
    if image is None:
        raise SystemExit("the queue ran empty: use larger sizes or fewer claims")
    deciding = time.perf_counter()
    services.review_record(annotator=user, image_id=image.pk, decision="accept")
    holds.append((image.pk, claimed, deciding, user.pk))


def timed_pk_select(image_id: int) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        started = time.perf_counter()
        cursor.execute("SELECT id, status FROM core_image WHERE id = %s", [image_id])
        cursor.fetchone()
        return time.perf_counter() - started


def overlapping_holds(holds: list) -> int:
    """Times an image was claimed again before its previous holder had decided."""
    by_image: dict[int, list] = {}
    for image_id, claimed, deciding, user_id in holds:
        by_image.setdefault(image_id, []).append((claimed, deciding, user_id))
    overlaps = 0
    for spans in by_image.values():
        spans.sort()
        overlaps += sum(
            later[0] <= earlier[1] for earlier, later in zip(spans, spans[1:], strict=False)
        )
    return overlaps


def extra_reviews() -> int:
    """Photos need one review: any second current review is a double claim that got through."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM review_review "
            "WHERE is_current GROUP BY image_id HAVING count(*) > 1) AS doubled"
        )
        return int(cursor.fetchone()[0])


def explain_claim(size: int, user) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from curation.review.claims import QUEUE_CANDIDATE_SQL

    with transaction.atomic(), connection.cursor() as cursor:
        params = {"annotator": user.pk, "now": timezone.now()}
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {QUEUE_CANDIDATE_SQL}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    print(f"--- claim plan at {size} pending images ---\n{plan}", flush=True)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def milliseconds(values: list[float]) -> dict:
    return {
        "p50_ms": round(1000 * statistics.median(values), 3),
        "p99_ms": round(1000 * percentile(values, 0.99), 3),
        "n": len(values),
    }


def summarise(samples: dict, doubles: int, args: argparse.Namespace) -> dict:
    sizes = []
    for size, sample in samples.items():
        single, concurrent = milliseconds(sample["single"]), milliseconds(sample["concurrent"])
        pk = milliseconds(sample["pk"])
        sizes.append(
            {
                "size": size,
                "claim_1": single,
                f"claim_{args.threads}": concurrent,
                "pk_select": pk,
                "claim_vs_pk_select_p50": round(single["p50_ms"] / pk["p50_ms"], 2),
            }
        )
    small, large = sizes[0], sizes[-1]

    def growth(key: str, figure: str) -> float:
        return round(large[key][figure] / small[key][figure], 3)

    return {
        "sizes": sizes,
        "growth_between": [small["size"], large["size"]],
        "p99_growth_1m_vs_10k": growth("claim_1", "p99_ms"),
        "p50_growth_1m_vs_10k": growth("claim_1", "p50_ms"),
        f"p99_growth_1m_vs_10k_{args.threads}": growth(f"claim_{args.threads}", "p99_ms"),
        f"p50_growth_1m_vs_10k_{args.threads}": growth(f"claim_{args.threads}", "p50_ms"),
        "claim_vs_pk_select": max(size["claim_vs_pk_select_p50"] for size in sizes),
        "double_claims": doubles,
        "goals": GOALS,
    }


if __name__ == "__main__":
    main()
