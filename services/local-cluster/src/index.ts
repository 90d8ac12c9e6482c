export { SERVICE_MAINS, startLocalCluster, type LocalCluster, type LocalClusterOptions, type LocalService, type ServiceKind } from './local-cluster.js';
export { runClusterDemo } from './cluster-demo.js';
