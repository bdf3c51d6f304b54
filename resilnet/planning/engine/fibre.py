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
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from . import geo
from .data import Progress, Roads
from .options import SiteOptions

# Road distances are computed from this many source sites at once (a dense block of
# sources × graph vertices), which bounds memory on large networks.
DIJKSTRA_BLOCK = 64
# Candidate fibre links into a site come from at most this many of its nearest sites.
NEAREST_SOURCES = 32
# Rounds of the improvement pass (each runs the extension again).
IMPROVE_ROUNDS = 4


@dataclass
class FibreResult:
    on_fibre: np.ndarray  # bool
    parent: np.ndarray  # site index of the site it joins through; -1: its nearest fibre node
    node_idx: np.ndarray  # for parent -1: the fibre node (nearest along roads when routed)
    link_km: np.ndarray  # length of its own link, 0 when not on fibre
    order: np.ndarray  # sites in the order they joined
    links: tuple[np.ndarray, np.ndarray, np.ndarray]  # candidate links (source, target, km)


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
    links: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
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
    if links is None:
        links = candidate_links(opts, threshold_km, cand, router, thr_max)
    src, dst, w = links
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
        links=links,
    )


def candidate_links(
    opts: SiteOptions,
    threshold_km: np.ndarray,
    cand: np.ndarray,
    router: RoadRouter | None,
    thr_max: float,
    *,
    nearest: int = NEAREST_SOURCES,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Site-to-site links (source, target, km) within the target's threshold, from each
    target's `nearest` sites."""
    empty = np.zeros(0, dtype=np.int64)
    if len(cand) < 2:
        return empty, empty, np.zeros(0)
    xyz = opts.xyz[cand]
    # A road route is never shorter than the straight line, so the straight-line ball is a
    # superset of the links to keep; without roads the link is straight × routing factor.
    factor = 1.0 if router is not None else opts.routing_factor
    wants = np.flatnonzero(threshold_km[cand] > 0)
    if not len(wants):
        return empty, empty, np.zeros(0)
    radius = threshold_km[cand[wants]] / factor
    # Each target's nearest sources within its threshold, in one array-shaped query: no
    # per-site Python lists. NEAREST_SOURCES is far more than a link ever needs in practice
    # (the nearest site on fibre wins), and all of them on small instances.
    k = min(nearest, len(cand))
    bound = float(geo.chord_from_km(np.max(radius))) * (1 + 1e-12)
    chord, idx = cKDTree(xyz).query(xyz[wants], k=k, distance_upper_bound=bound, workers=-1)
    chord, idx = chord.reshape(len(wants), k), idx.reshape(len(wants), k)
    km = geo.km_from_chord(np.where(np.isfinite(chord), chord, 0.0)) * factor
    ok = np.isfinite(chord) & (idx != wants[:, None]) & (km <= threshold_km[cand[wants]][:, None])
    tgt_local = np.broadcast_to(wants[:, None], ok.shape)[ok]
    src_local = idx[ok]
    km = km[ok]
    src, dst = cand[src_local], cand[tgt_local]
    if router is not None:
        km = router.pair_km(src, dst, thr_max)
    keep = km <= threshold_km[dst]
    return src[keep], dst[keep], km[keep]


def improve_extension(
    opts: SiteOptions,
    threshold_km: np.ndarray,
    alternative_npv: np.ndarray,
    result: FibreResult,
    node_xyz: np.ndarray,
    *,
    rounds: int = IMPROVE_ROUNDS,
    progress: Progress | None = None,
) -> FibreResult:
    """Lay fibre to sites that are not cheapest on fibre themselves but open a cheap chain.

    The greedy extension only takes a site when fibre is already its cheapest option, so
    a cluster of sites just beyond reach never gets the one expensive link that would put
    them all on fibre. Sites off fibre fall into clusters: linked when one would rather
    join fibre through the other than keep its alternative. For each cluster, the site
    whose own link to the network costs least over its alternative is the opener; if the
    cluster's savings exceed that extra, the opener gets the maximum link as its threshold
    and the extension runs again. Clusters are independent of each other, so each is kept
    only if its own cost falls in that run; a few rounds, each kept only if the total
    falls. Straight-line links only (not with roads).
    """
    thr = threshold_km.copy()
    best = result
    best_site_cost = _site_costs(opts, alternative_npv, best)
    for round_ in range(rounds):
        openers, label = _openers(opts, thr, alternative_npv, best, node_xyz)
        if not len(openers):
            break
        trial_thr = thr.copy()
        trial_thr[openers] = opts.fibre_max_km
        trial = greedy_extension(
            opts, trial_thr, links=_with_links_of(opts, best, trial_thr, openers)
        )
        delta = _site_costs(opts, alternative_npv, trial) - best_site_cost
        in_cluster = label >= 0
        by_cluster = np.bincount(label[in_cluster], weights=delta[in_cluster])
        keep = openers[by_cluster[label[openers]] < 0]
        if progress:
            progress("fibre", (round_ + 1) / rounds)
        if not len(keep):
            break
        trial_thr = thr.copy()
        trial_thr[keep] = opts.fibre_max_km
        trial = greedy_extension(opts, trial_thr, links=_with_links_of(opts, best, trial_thr, keep))
        trial_cost = _site_costs(opts, alternative_npv, trial)
        if trial_cost.sum() >= best_site_cost.sum():
            break
        thr, best, best_site_cost = trial_thr, trial, trial_cost
    return best


def _with_links_of(
    opts: SiteOptions, r: FibreResult, thr: np.ndarray, added: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The links of an extension plus those into and out of sites whose threshold rose."""
    cand = np.flatnonzero(thr >= 0)
    k = min(NEAREST_SOURCES, len(cand))
    if not len(added) or k == 0:
        return r.links
    tree = cKDTree(opts.xyz[cand])
    bound = float(geo.chord_from_km(thr[cand].max() / opts.routing_factor)) * (1 + 1e-12)
    chord, idx = tree.query(opts.xyz[added], k=k, distance_upper_bound=bound, workers=-1)
    chord, idx = chord.reshape(len(added), k), idx.reshape(len(added), k)
    found = np.isfinite(chord)
    other = cand[np.where(found, idx, 0)]
    km = geo.km_from_chord(np.where(found, chord, 0.0)) * opts.routing_factor
    me = np.broadcast_to(added[:, None], other.shape)
    into = found & (other != me) & (km <= thr[me])  # other → added
    out = found & (other != me) & (km <= thr[other])  # added → other
    src = np.concatenate([r.links[0], other[into], me[out]])
    dst = np.concatenate([r.links[1], me[into], other[out]])
    return src, dst, np.concatenate([r.links[2], km[into], km[out]])


def _site_costs(opts: SiteOptions, alternative_npv: np.ndarray, r: FibreResult) -> np.ndarray:
    alt = np.where(np.isfinite(alternative_npv), alternative_npv, 0.0)
    return np.where(r.on_fibre, opts.fibre_npv(r.link_km), alt)


def _openers(
    opts: SiteOptions,
    thr: np.ndarray,
    alternative_npv: np.ndarray,
    r: FibreResult,
    node_xyz: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """One opener per cluster of sites off fibre whose estimated saving beats its extra
    cost, and each site's cluster label (-1 for sites on fibre)."""
    n = len(thr)
    none = np.zeros(0, dtype=np.int64), np.full(n, -1, dtype=np.int64)
    off = ~r.on_fibre & np.isfinite(opts.fibre_base_npv) & np.isfinite(alternative_npv)
    net_xyz = np.concatenate([node_xyz, opts.xyz[r.on_fibre]])
    if not off.any() or opts.fibre_km_npv <= 0 or not len(net_xyz):
        return none
    chord, _ = cKDTree(net_xyz).query(opts.xyz[off], k=1, workers=-1)
    d = np.full(n, np.inf)
    d[off] = geo.km_from_chord(chord) * opts.routing_factor
    reach = off & (d <= opts.fibre_max_km)
    extra = np.where(reach, opts.fibre_npv(np.where(reach, d, 0.0)) - alternative_npv, np.inf)
    # Links u → t between sites off fibre where t would rather join through u.
    target_thr = np.where(off, thr, -1.0)
    src, dst, km = candidate_links(
        opts, np.maximum(target_thr, 0.0), np.flatnonzero(off), None, np.inf
    )
    keep = km <= target_thr[dst]
    src, dst, km = src[keep], dst[keep], km[keep]
    if not len(src):
        return none
    shortest_in = np.full(n, np.inf)
    np.minimum.at(shortest_in, dst, km)
    has_in = np.isfinite(shortest_in)
    saving = np.where(
        has_in,
        alternative_npv
        - opts.fibre_base_npv
        - opts.fibre_km_npv * np.where(has_in, shortest_in, 0),
        0.0,
    )
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(n, n))
    _count, label = connected_components(graph, directed=True, connection="weak")
    label = np.where(off, label, -1)
    cluster_saving = np.bincount(label[off], weights=saving[off])
    gain = np.full(n, -np.inf)
    gain[reach] = cluster_saving[label[reach]] - saving[reach] - extra[reach]
    cand = np.flatnonzero(reach & (gain > 0))
    if not len(cand):
        return np.zeros(0, dtype=np.int64), label
    # The best opener of each cluster.
    cand = cand[np.lexsort((-gain[cand], label[cand]))]
    first = np.r_[True, label[cand][1:] != label[cand][:-1]]
    return cand[first], label
