// Services: every service with its tags and health at a glance; one service's instances with
// their checks and output. Both live through blocking queries.
import { encodePath } from '../api.ts';
import { useBlocking } from '../blocking.ts';
import { ErrorBox, HealthSummary, Loading, Page, StatusBadge, Tags } from '../components.tsx';
import { countsByService, worstStatus } from '../health.ts';
import { Link } from '../router.tsx';
import type { HealthCheck, ServiceEntry } from '../types.ts';

export function ServicesPage() {
  const services = useBlocking<Record<string, string[] | null>>('/v1/catalog/services');
  const checks = useBlocking<HealthCheck[]>('/v1/health/state/any');
  const counts = countsByService(checks.data ?? []);
  const names = Object.keys(services.data ?? {}).sort();
  return (
    <Page title="Services">
      <ErrorBox error={services.error ?? checks.error} />
      {services.data === undefined ? (
        <Loading what="services" />
      ) : (
        <table>
          <caption class="sr-only">Registered services, their health checks and tags</caption>
          <thead>
            <tr>
              <th scope="col">Service</th>
              <th scope="col">Health checks</th>
              <th scope="col">Tags</th>
            </tr>
          </thead>
          <tbody>
            {names.map((name) => (
              <tr key={name} data-service={name}>
                <th scope="row">
                  <Link to={`services/${name}`}>{name}</Link>
                </th>
                <td>
                  <HealthSummary counts={counts.get(name)} />
                </td>
                <td>
                  <Tags tags={services.data?.[name]} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}

function CheckList({ checks }: { checks: readonly HealthCheck[] }) {
  if (checks.length === 0) return <p class="muted">No checks.</p>;
  return (
    <ul class="checks">
      {checks.map((check) => (
        <li key={`${check.Node}/${check.CheckID}`} data-check={check.CheckID}>
          <StatusBadge status={check.Status} /> <strong>{check.Name}</strong>{' '}
          <span class="muted">
            ({check.CheckID}
            {check.Type === '' ? '' : `, ${check.Type}`})
          </span>
          {check.Notes !== '' && <p>{check.Notes}</p>}
          {check.Output !== '' && <pre class="output">{check.Output}</pre>}
        </li>
      ))}
    </ul>
  );
}

export function ServicePage({ name }: { name: string }) {
  const live = useBlocking<ServiceEntry[]>(`/v1/health/service/${encodePath(name)}`);
  const entries = live.data ?? [];
  return (
    <Page title={`Service ${name}`} actions={<Link to="services">All services</Link>}>
      <ErrorBox error={live.error} />
      {live.data === undefined ? (
        <Loading what="instances" />
      ) : entries.length === 0 ? (
        <p>No instances of this service are registered.</p>
      ) : (
        entries.map((entry) => (
          <article key={`${entry.Node.Node}/${entry.Service.ID}`} class="card" data-instance={entry.Service.ID} aria-labelledby={`inst-${entry.Service.ID}`}>
            <h2 id={`inst-${entry.Service.ID}`}>
              {entry.Service.ID} <StatusBadge status={worstStatus(entry.Checks)} />
            </h2>
            <dl class="facts">
              <dt>Node</dt>
              <dd>
                <Link to={`nodes/${entry.Node.Node}`}>{entry.Node.Node}</Link>
              </dd>
              <dt>Address</dt>
              <dd>
                {entry.Service.Address === '' ? entry.Node.Address : entry.Service.Address}:{entry.Service.Port}
              </dd>
              <dt>Tags</dt>
              <dd>
                <Tags tags={entry.Service.Tags} />
              </dd>
              {Object.entries(entry.Service.Meta ?? {}).map(([k, v]) => [<dt key={`k${k}`}>meta {k}</dt>, <dd key={`v${k}`}>{v}</dd>])}
            </dl>
            <h3>Checks</h3>
            <CheckList checks={entry.Checks} />
          </article>
        ))
      )}
    </Page>
  );
}

export { CheckList };
