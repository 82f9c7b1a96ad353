"""Stand-in for the `airflow` package (see ../README): only the modules that
Airflow's revisions 0001-0060 import, each as small as the schema allows."""
