// Nodes: every node with its address and health at a glance; one node's services and checks.
import { encodePath } from '../api.ts';
import { useBlocking } from '../blocking.ts';
import { ErrorBox, HealthSummary, Loading, Page, Tags } from '../components.tsx';
import { countsByNode } from '../health.ts';
import { Link } from '../router.tsx';
import type { CatalogNode, HealthCheck, NodeServices } from '../types.ts';
import { CheckList } from './services.tsx';

export function NodesPage() {
  const nodes = useBlocking<CatalogNode[]>('/v1/catalog/nodes');
  const checks = useBlocking<HealthCheck[]>('/v1/health/state/any');
  const counts = countsByNode(checks.data ?? []);
  return (
    <Page title="Nodes">
      <ErrorBox error={nodes.error ?? checks.error} />
      {nodes.data === undefined ? (
        <Loading what="nodes" />
      ) : (
        <table>
          <caption class="sr-only">Nodes in the catalog</caption>
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Address</th>
              <th scope="col">Health checks</th>
              <th scope="col">ID</th>
            </tr>
          </thead>
          <tbody>
            {nodes.data.map((node) => (
              <tr key={node.Node}>
                <th scope="row">
                  <Link to={`nodes/${node.Node}`}>{node.Node}</Link>
                </th>
                <td>{node.Address}</td>
                <td>
                  <HealthSummary counts={counts.get(node.Node)} />
                </td>
                <td class="mono">{node.ID}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

export function NodePage({ name }: { name: string }) {
  const node = useBlocking<NodeServices | null>(`/v1/catalog/node/${encodePath(name)}`);
  const checks = useBlocking<HealthCheck[]>(`/v1/health/node/${encodePath(name)}`);
  const services = Object.values(node.data?.Services ?? {});
  return (
    <Page title={`Node ${name}`} actions={<Link to="nodes">All nodes</Link>}>
      <ErrorBox error={node.error ?? checks.error} />
      {node.data === undefined ? (
        <Loading what="the node" />
      ) : node.data === null ? (
        <p>This node is not in the catalog.</p>
      ) : (
        <>
          <dl class="facts">
            <dt>Address</dt>
            <dd>{node.data.Node.Address}</dd>
            <dt>ID</dt>
            <dd class="mono">{node.data.Node.ID}</dd>
            <dt>Datacenter</dt>
            <dd>{node.data.Node.Datacenter}</dd>
          </dl>
          <h2>Services</h2>
          {services.length === 0 ? (
            <p class="muted">No services on this node.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Service</th>
                  <th scope="col">ID</th>
                  <th scope="col">Port</th>
                  <th scope="col">Tags</th>
                </tr>
              </thead>
              <tbody>
                {services.map((s) => (
                  <tr key={s.ID}>
                    <th scope="row">
                      <Link to={`services/${s.Service}`}>{s.Service}</Link>
                    </th>
                    <td>{s.ID}</td>
                    <td>{s.Port}</td>
                    <td>
                      <Tags tags={s.Tags} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>Checks</h2>
          <CheckList checks={checks.data ?? []} />
        </>
      )}
    </Page>
  );
}
