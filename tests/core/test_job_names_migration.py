import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from curation.core.jobs import job_function_name

BEFORE, AFTER = (
    ("core", "0003_remove_image_retention_only"),
    ("core", "0004_jobrun_functions_in_tasks"),
)
OLD_NAMES = {
    "curation.releases.services.export_release_job": "curation.releases.tasks.export_release_job",
    "curation.scoring.services.score_response_set_job": (
        "curation.scoring.tasks.score_response_set_job"
    ),
    "curation.scenes.tasks.generate_scene_batch": "curation.scenes.tasks.generate_scene_batch",
}


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([target])
    return executor.loader.project_state([target]).apps


@pytest.fixture
def migrated_back_to_the_latest(transactional_db):
    """Later migrations exist: leave the database at the newest state for the next tests."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_recorded_runs_name_their_jobs_new_place_so_workers_can_still_run_them(
    migrated_back_to_the_latest,
):
    old_apps = _migrate(BEFORE)
    JobRun = old_apps.get_model("core", "JobRun")
    for name in OLD_NAMES:
        JobRun.objects.create(kind="test", title=name, function=name, params={})
    new_apps = _migrate(AFTER)
    stored = dict(new_apps.get_model("core", "JobRun").objects.values_list("title", "function"))
    assert stored == OLD_NAMES
    assert all(job_function_name(name) for name in stored.values())
