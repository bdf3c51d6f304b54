"""Greedy fibre extension: sites that join the fibre network become fibre nodes.

Giga's model: repeatedly connect the unconnected site whose fibre link from the current
node set (fibre nodes plus sites already on fibre) is shortest, if fibre is then its
cheapest option and the link within the maximum length. A link's cost grows with its
length, so "fibre is cheapest" is a distance threshold per site (`fibre_thresholds`), and
the extension is Prim's algorithm on the graph of links no longer than their target's
threshold: a heap keyed by each site's distance to the node set, updated from a
neighbour list the KD-tree builds in one call (no distance cache, no loop per pair of
sites). The links form a tree, so a trench is shared: a site joins through the nearest
site already on fibre instead of running a cable back to the original node.

Links are straight lines × the routing factor, or, when a road network is given, shortest
paths along the roads (`RoadRouter`: each site and node joins its nearest road vertex by a
straight spur, and csgraph.dijkstra measures the rest).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from . import geo
from .data import Progress, Roads
from .options import SiteOptions

# Road distances are computed from this many source sites at once (a dense block of
# sources × graph vertices), which bounds memory on large networks.
DIJKSTRA_BLOCK = 64


@dataclass
class FibreResult:
    on_fibre: np.ndarray  # bool
    parent: np.ndarray  # site index of the site it joins through; -1: its nearest fibre node
    node_idx: np.ndarray  # for parent -1: the fibre node (nearest along roads when routed)
    link_km: np.ndarray  # length of its own link, 0 when not on fibre
    order: np.ndarray  # sites in the order they joined


def fibre_thresholds(opts: SiteOptions, alternative_npv: np.ndarray) -> np.ndarray:
    """Longest link (km) at which fibre is each site's cheapest option; -1 when never."""
    base = opts.fibre_base_npv
    with np.errstate(invalid="ignore", divide="ignore"):
        if opts.fibre_km_npv > 0:
            thr = (alternative_npv - base) / opts.fibre_km_npv
        else:
            thr = np.where(base <= alternative_npv, np.inf, -1.0)
    thr = np.minimum(np.nan_to_num(thr, nan=-1.0, posinf=np.inf), opts.fibre_max_km)
    return np.where(np.isfinite(base), thr, -1.0)


class RoadRouter:
    """Fibre link lengths along a road network (plus straight spurs to it)."""

    def __init__(self, roads: Roads, site_xyz: np.ndarray, node_xyz: np.ndarray):
        n_road = len(roads.lat)
        if n_road == 0:
            raise ValueError("the road network has no vertices")
        road_xyz = geo.to_xyz(roads.lat, roads.lon)
        tree = cKDTree(road_xyz)
        self.n_road = n_road
        self.n_sites = len(site_xyz)
        spur_rows, spur_cols, spur_km = [], [], []
        offset = n_road
        for pts in (site_xyz, node_xyz):
            if len(pts):
                chord, nearest = tree.query(pts, k=1, workers=-1)
                spur_rows.append(np.arange(offset, offset + len(pts)))
                spur_cols.append(nearest)
                spur_km.append(geo.km_from_chord(chord))
            offset += len(pts)
        rows = np.concatenate([roads.edge_from.astype(np.int64), *spur_rows])
        cols = np.concatenate([roads.edge_to.astype(np.int64), *spur_cols])
        # A zero-length edge would vanish from a sparse matrix: keep it as a tiny length.
        km = np.maximum(np.concatenate([roads.length_km.astype(np.float64), *spur_km]), 1e-9)
        self.graph = coo_matrix((km, (rows, cols)), shape=(offset, offset)).tocsr()
        self.site_vertex = np.arange(n_road, n_road + self.n_sites)
        self.node_vertex = np.arange(n_road + self.n_sites, offset)

    def nearest_node(self, limit_km: float) -> tuple[np.ndarray, np.ndarray]:
        """Each site's nearest fibre node along the roads: (node index or -1, km or inf)."""
        if not len(self.node_vertex):
            return np.full(self.n_sites, -1, dtype=np.int64), np.full(self.n_sites, np.inf)
        dist, _pred, sources = dijkstra(
            self.graph,
            directed=False,
            indices=self.node_vertex,
            min_only=True,
            limit=limit_km,
            return_predecessors=True,
        )
        km = dist[self.site_vertex]
        src = sources[self.site_vertex]
        node = np.where(src >= 0, src - self.node_vertex[0], -1)
        return node.astype(np.int64), np.where(np.isfinite(km), km, np.inf)

    def pair_km(self, src: np.ndarray, dst: np.ndarray, limit_km: float) -> np.ndarray:
        """Road km between site pairs (inf where farther than limit_km or unreachable)."""
        out = np.full(len(src), np.inf)
        if not len(src):
            return out
        uniq, inverse = np.unique(src, return_inverse=True)
        for start in range(0, len(uniq), DIJKSTRA_BLOCK):
            block = uniq[start : start + DIJKSTRA_BLOCK]
            dist = dijkstra(
                self.graph, directed=False, indices=self.site_vertex[block], limit=limit_km
            )
            mask = (inverse >= start) & (inverse < start + len(block))
            out[mask] = dist[inverse[mask] - start, self.site_vertex[dst[mask]]]
        return out


def greedy_extension(
    opts: SiteOptions,
    threshold_km: np.ndarray,
    *,
    router: RoadRouter | None = None,
    progress: Progress | None = None,
) -> FibreResult:
    """Prim's algorithm from the fibre nodes over links within each target's threshold."""
    n = len(threshold_km)
    node_idx, d0 = opts.node_idx, opts.node_km
    finite_thr = threshold_km[np.isfinite(threshold_km)]
    thr_max = (
        float(max(finite_thr.max(initial=0.0), 0.0))
        if np.all(np.isfinite(threshold_km))
        else np.inf
    )
    if router is not None:
        node_idx, d0 = router.nearest_node(thr_max)
    cand = np.flatnonzero(threshold_km >= 0)
    src, dst, w = _candidate_links(opts, threshold_km, cand, router, thr_max)
    if progress:
        progress("fibre", 0.1)

    # Out-links of every site, as CSR over the site index (sources sorted).
    order_by_src = np.argsort(src, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.add.at(ptr, src + 1, 1)
    ptr = np.cumsum(ptr).tolist()
    nbr = dst[order_by_src].tolist()
    wt = w[order_by_src].tolist()

    dist = np.where(d0 <= threshold_km, d0, np.inf).tolist()
    parent = [-1] * n
    done = [False] * n
    heap = [(dist[i], i) for i in cand.tolist() if dist[i] != np.inf]
    heapq.heapify(heap)
    order: list[int] = []
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        d, t = pop(heap)
        if done[t] or d > dist[t]:
            continue  # already joined, or a stale entry superseded by a shorter link
        done[t] = True
        order.append(t)
        for j in range(ptr[t], ptr[t + 1]):
            u = nbr[j]
            if not done[u] and wt[j] < dist[u]:
                dist[u] = wt[j]
                parent[u] = t
                push(heap, (wt[j], u))

    on = np.array(done, dtype=bool)
    link = np.where(on, np.array(dist), 0.0)
    par = np.where(on, np.array(parent, dtype=np.int64), -1)
    if progress:
        progress("fibre", 1.0)
    return FibreResult(
        on_fibre=on,
        parent=par,
        node_idx=np.where(on & (par < 0), node_idx, -1),
        link_km=link,
        order=np.array(order, dtype=np.int64),
    )


def _candidate_links(
    opts: SiteOptions,
    threshold_km: np.ndarray,
    cand: np.ndarray,
    router: RoadRouter | None,
    thr_max: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Site-to-site links (source, target, km) within the target's threshold."""
    empty = np.zeros(0, dtype=np.int64)
    if len(cand) < 2:
        return empty, empty, np.zeros(0)
    xyz = opts.xyz[cand]
    # A road route is never shorter than the straight line, so the straight-line ball is a
    # superset of the links to keep; without roads the link is straight × routing factor.
    factor = 1.0 if router is not None else opts.routing_factor
    radius = geo.chord_from_km(threshold_km[cand] / factor) * (1 + 1e-12)
    balls = cKDTree(xyz).query_ball_point(xyz, radius, workers=-1, return_sorted=False)
    counts = np.fromiter((len(b) for b in balls), dtype=np.int64, count=len(balls))
    tgt_local = np.repeat(np.arange(len(cand)), counts)
    src_local = np.fromiter((j for b in balls for j in b), dtype=np.int64, count=int(counts.sum()))
    keep = src_local != tgt_local
    src_local, tgt_local = src_local[keep], tgt_local[keep]
    diff = xyz[src_local] - xyz[tgt_local]
    km = geo.km_from_chord(np.sqrt(np.einsum("ij,ij->i", diff, diff))) * factor
    src, dst = cand[src_local], cand[tgt_local]
    if router is not None:
        km = router.pair_km(src, dst, thr_max)
    keep = km <= threshold_km[dst]
    return src[keep], dst[keep], km[keep]
