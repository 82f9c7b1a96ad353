"""Stand-in for airflow.models, as far as revision 0023 uses it: DagBag."""


class DagBag:
    """Airflow's DagBag parses the DAG files under dag_folder; this one
    parses nothing and so holds no DAG, as a folder without DAG files would:
    get_dag() is None for every id, and 0023 takes its "DAG not found" branch."""

    def __init__(self, dag_folder=None, *args, **kwargs):
        self.dag_folder = dag_folder
        self.dags = {}

    def get_dag(self, dag_id):
        return self.dags.get(dag_id)
