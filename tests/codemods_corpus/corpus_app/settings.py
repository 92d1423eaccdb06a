"""Where the application's tables live: read from the environment, so that the test
can sync the original and the converted package into two keyspaces."""

import os

KEYSPACE = os.environ.get("CORPUS_KEYSPACE", "corpus_app")
CONNECTION = os.environ.get("CORPUS_CONNECTION", "corpus_app")
