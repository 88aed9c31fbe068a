"""Weekly topics: cluster a week's paper vectors, label the clusters, link them week to week.

The method (the measured figures are in ``papers.topics.clustering``): the stored 384-d
vectors are reduced by UMAP (cosine, 5 dims) and clustered by scikit-learn's HDBSCAN with
a cap on cluster size; papers HDBSCAN leaves out join the nearest topic when they are
close to it, and the rest form an "Other" topic (never dropped). Keywords per topic come
from class-based TF-IDF over titles + abstracts (``labels``); a second UMAP run to 2 dims,
reusing the first run's neighbour graph, gives the map; centroids link a topic to the
week before (``linking``).

This is BERTopic's pipeline without BERTopic: BERTopic would bring pandas, plotly and the
hdbscan package for what four short functions do here on the vectors we already store,
and each step stays a plain function we can test and time. Only umap-learn (with numba)
is added.
"""
