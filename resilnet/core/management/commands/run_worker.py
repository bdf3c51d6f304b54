import logging
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import DatabaseError, OperationalError, close_old_connections, connection
from django.utils.crypto import get_random_string
from django_tasks.base import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import is_locked_database_exception

from resilnet.core import modules, services

HEARTBEAT_SECONDS = 5
LOCK_ATTEMPTS = 5  # runs of a task that keeps failing on a busy database
SCHEDULE_SECONDS = 30  # how often a worker looks for due periodic tasks
logger = logging.getLogger(__name__)


class ResilientWorker(Worker):
    """A worker that waits out a busy database instead of exiting, and runs again, a few
    times and later each time, a task that failed only because the database was busy."""

    def run(self) -> None:
        while True:
            try:
                return super().run()
            except OperationalError as exc:
                if not is_locked_database_exception(exc):
                    raise
                logger.warning("database busy; polling again shortly: %s", exc)
                close_old_connections()
                if not self.running:
                    return None
                time.sleep(max(self.interval, 1.0))

    def run_task(self, db_task_result: DBTaskResult) -> None:
        super().run_task(db_task_result)
        attempts = len(db_task_result.worker_ids)
        if (
            db_task_result.status == TaskResultStatus.FAILED
            and _failed_on_a_busy_database(db_task_result)
            and attempts < LOCK_ATTEMPTS
        ):
            delay = timedelta(seconds=5 * 2 ** (attempts - 1))
            logger.warning(
                "task %s failed on a busy database; running it again in %s",
                db_task_result.id,
                delay,
            )
            services.retry_task_later(db_task_result.id, delay)


def _failed_on_a_busy_database(result: DBTaskResult) -> bool:
    return result.exception_class_path.endswith("OperationalError") and (
        "database is locked" in result.traceback or "database table is locked" in result.traceback
    )


class Command(BaseCommand):
    help = "Run background tasks from the database queue, reporting a heartbeat."

    def add_arguments(self, parser):
        parser.add_argument("--queue", default="default", help="Queues to run, comma-separated.")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between polls.")
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then exit.")

    def handle(self, *args, queue: str, interval: float, batch: bool, **options):
        worker_id = f"{socket.gethostname()[:40]}-{get_random_string(8)}"
        stop = threading.Event()

        def every(seconds: float, work: Callable[[], object], what: str) -> threading.Thread:
            """A thread doing `work` every `seconds` until the worker stops; a busy database
            delays one round, the next one catches up."""

            def loop() -> None:
                while not stop.is_set():
                    try:
                        work()
                    except DatabaseError as exc:
                        logger.warning("%s not done: %s", what, exc)
                    finally:
                        close_old_connections()
                    stop.wait(seconds)
                connection.close()  # this thread's own: left open, it would outlive the worker

            return threading.Thread(target=loop, name=what, daemon=True)

        periodic = [task for module in modules.installed() for task in module.periodic_tasks]
        services.record_worker_heartbeat(worker_id)
        threads = [
            every(
                HEARTBEAT_SECONDS, lambda: services.record_worker_heartbeat(worker_id), "heartbeat"
            )
        ]
        if not batch:  # a batch run works off what is queued; it schedules nothing new
            threads.append(
                every(
                    SCHEDULE_SECONDS,
                    lambda: services.enqueue_due_periodic_tasks(periodic),
                    "periodic tasks",
                )
            )
        for thread in threads:
            thread.start()
        worker = ResilientWorker(
            queue_names=queue.split(","),
            interval=interval,
            batch=batch,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        self.stdout.write(f"worker {worker_id} running queues {queue}")
        try:
            worker.run()
        finally:
            worker.reset_signals()
            stop.set()
            for thread in threads:
                thread.join(timeout=SCHEDULE_SECONDS + 1)
            services.remove_worker_heartbeat(worker_id)
