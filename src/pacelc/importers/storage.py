"""Where a volume's data lives, by the StorageClass provisioner that makes it.

A PersistentVolumeClaim says only which class it wants; the class's provisioner decides whether the
data sits on the node (lost with it), on network-attached block storage (outlives the node, not its
zone's loss of the volume) or on storage that keeps copies across nodes or zones. pacelc reads the
StorageClass objects among the manifests; a class that is not there (the cluster's own, or the
default class) leaves the storage unknown. The table names each provisioner's documented
behaviour; a provisioner not in it is unknown, never guessed.
"""

from __future__ import annotations

from typing import Any

# provisioner -> storage, with the documentation it comes from (checked December 2026).
PROVISIONERS: dict[str, tuple[str, str]] = {
    # Node-local: the volume is a directory or disk of one node.
    "kubernetes.io/no-provisioner": ("node_local", "Kubernetes docs, Storage Classes: Local (local volumes)"),
    "rancher.io/local-path": ("node_local", "rancher/local-path-provisioner README: a hostPath on the node"),
    "openebs.io/local": ("node_local", "OpenEBS docs, Local PV Hostpath"),
    "local.csi.openebs.io": ("node_local", "OpenEBS docs, Local PV LVM"),
    "topolvm.io": ("node_local", "TopoLVM README: LVM volumes on the node"),
    "microk8s.io/hostpath": ("node_local", "MicroK8s docs, hostpath-storage addon"),
    "k8s.io/minikube-hostpath": ("node_local", "minikube docs, persistent volumes: hostPath"),
    # Network-attached block or file storage: outlives the node.
    "ebs.csi.aws.com": ("network", "AWS EBS CSI driver docs: zonal EBS volumes"),
    "kubernetes.io/aws-ebs": ("network", "Kubernetes docs, Storage Classes: AWS EBS (in-tree)"),
    "pd.csi.storage.gke.io": ("network", "GKE docs, Persistent Disk CSI: zonal unless replication-type: regional-pd"),
    "kubernetes.io/gce-pd": ("network", "Kubernetes docs, Storage Classes: GCE PD (in-tree)"),
    "disk.csi.azure.com": ("network", "Azure Disk CSI docs: LRS disks are zonal, ZRS SKUs replicate across zones"),
    "kubernetes.io/azure-disk": ("network", "Kubernetes docs, Storage Classes: Azure Disk (in-tree)"),
    "nfs.csi.k8s.io": ("network", "csi-driver-nfs README: an export of one NFS server"),
    "cinder.csi.openstack.org": ("network", "OpenStack Cinder CSI docs"),
    "csi.vsphere.vmware.com": ("network", "vSphere CSI docs"),
    # Replicated: the storage system keeps copies on several nodes or zones.
    "efs.csi.aws.com": ("replicated", "AWS EFS docs: data stored redundantly across availability zones"),
    "file.csi.azure.com": ("network", "Azure Files CSI docs: LRS by default"),
    "rook-ceph.rbd.csi.ceph.com": ("replicated", "Rook docs, Ceph block pools: replicated pools"),
    "rook-ceph.cephfs.csi.ceph.com": ("replicated", "Rook docs, CephFS: replicated pools"),
    "rbd.csi.ceph.com": ("replicated", "Ceph CSI docs: RBD on replicated pools"),
    "cephfs.csi.ceph.com": ("replicated", "Ceph CSI docs: CephFS on replicated pools"),
    "driver.longhorn.io": ("replicated", "Longhorn docs: numberOfReplicas, 3 by default"),
    "openebs.io/mayastor": ("replicated", "OpenEBS docs, Replicated PV Mayastor"),
    "io.openebs.csi-mayastor": ("replicated", "OpenEBS docs, Replicated PV Mayastor"),
    "portworx.com": ("replicated", "Portworx docs: repl parameter"),
    "pxd.portworx.com": ("replicated", "Portworx docs: repl parameter"),
}

# Parameters that turn a zonal disk into one replicated across zones.
_REPLICATED_PARAMETERS = (
    ("pd.csi.storage.gke.io", "replication-type", "regional-pd"),
    ("kubernetes.io/gce-pd", "replication-type", "regional-pd"),
)
_ZRS_PROVISIONERS = ("disk.csi.azure.com", "kubernetes.io/azure-disk", "file.csi.azure.com")


def class_storage(storage_class: dict[str, Any]) -> tuple[str | None, str]:
    """The storage a StorageClass object gives, and why, in words for the draft's notes."""
    provisioner = str(storage_class.get("provisioner") or "")
    parameters = storage_class.get("parameters")
    parameters = parameters if isinstance(parameters, dict) else {}
    for name, key, value in _REPLICATED_PARAMETERS:
        if provisioner == name and str(parameters.get(key, "")).lower() == value:
            return "replicated", f"provisioner {provisioner} with {key}: {value}"
    if provisioner in _ZRS_PROVISIONERS:
        sku = str(parameters.get("skuName") or parameters.get("skuname") or "")
        if sku.upper().endswith("_ZRS"):
            return "replicated", f"provisioner {provisioner} with skuName {sku}"
    if provisioner in PROVISIONERS:
        storage, source = PROVISIONERS[provisioner]
        return storage, f"provisioner {provisioner} ({source})"
    return None, f"provisioner {provisioner or 'not set'} is not in pacelc's table"
