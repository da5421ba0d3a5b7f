// Writes lab.json, the one description of the lab that tests, the demo and the bench read
// (its type is Lab in test/harness/lab.ts). Called by up.sh once everything is up:
//   node scripts/run-ts.mjs test/lab/lab-json.ts OUT.json
// The facts come from up.sh's environment and from the files it wrote (hosts.list, the
// balancer configs), so nothing here repeats an address or a path rule of lib.sh.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { canonicalJson } from '../../src/balancer/caddy-config.js';
import type { Lab, LabBalancer, LabHost } from '../harness/lab.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`lab-json: ${name} is not set (run by up.sh)`);
  return v;
};
const out = process.argv[2];
if (!out) throw new Error('usage: lab-json.ts OUT.json');

const d = env('LAB_DIR');
const registry = env('LAB_REGISTRY');
const ip = new Map(
  readFileSync(`${d}/hosts.list`, 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split(' ') as [string, string]),
);
const addressOf = (name: string): string => {
  const a = ip.get(name);
  if (!a) throw new Error(`lab-json: ${name} is not in ${d}/hosts.list`);
  return a;
};
const host = (name: string): LabHost => ({
  name,
  address: addressOf(name),
  dockerHost: `unix://${d}/${name}/docker.sock`,
});
const names = (v: string) => v.split(' ').filter(Boolean);

const dockerhost = addressOf('dockerhost');
const haproxyPort = Number(env('LAB_HAPROXY_CONTAINER_PORT'));
const root = `${d}/dockerhost/root`;

// nginx installed on a host (lb2, lb3): its files under $LAB_DIR/HOST/nginx, started with -c.
function hostNginx(id: 'nginxHost' | 'nginxHost2', name: string): LabBalancer {
  const ng = `${d}/${name}/nginx`;
  const address = addressOf(name);
  return {
    id,
    kind: 'nginx',
    host: name,
    address,
    url: `http://${address}/`,
    file: `${ng}/upstream.conf`,
    localFile: `${ng}/upstream.conf`,
    pidFile: `${ng}/nginx.pid`,
    test: `nginx -c ${ng}/nginx.conf -t`,
    reload: `nginx -c ${ng}/nginx.conf -s reload`,
    initial: readFileSync(`${ng}/upstream.conf`, 'utf8'),
    // No pid_file: bluegreen finds it in `nginx -c … -T` (the config's pid directive).
    config: {
      host: address,
      file: `${ng}/upstream.conf`,
      test: `nginx -c ${ng}/nginx.conf -t`,
      reload: `nginx -c ${ng}/nginx.conf -s reload`,
      url: `http://${address}/`,
    },
  };
}

// Caddy installed on a host (caddyhost, caddyhost2): no file; its admin API on the host's own
// localhost:2019. `file` names the JSON config up.sh started it with (resetLab loads it again);
// `initial` is the reverse_proxy handler as bluegreen reads it (canonical JSON).
function hostCaddy(id: 'caddy' | 'caddy2', name: string): LabBalancer {
  const cd = `${d}/${name}/caddy`;
  const address = addressOf(name);
  const config = JSON.parse(readFileSync(`${cd}/caddy.json`, 'utf8')) as {
    apps: { http: { servers: { app: { routes: { handle: unknown[] }[] } } } };
  };
  return {
    id,
    kind: 'caddy',
    host: name,
    address,
    url: `http://${address}/`,
    file: `${cd}/caddy.json`,
    localFile: `${cd}/caddy.json`,
    pidFile: `${cd}/caddy.pid`,
    admin: 'localhost:2019',
    test: `caddy validate --config ${cd}/caddy.json`,
    reload: `curl -sf -X POST -H 'Content-Type: application/json' --data-binary @${cd}/caddy.json http://localhost:2019/load`,
    initial: canonicalJson(config.apps.http.servers.app.routes[0]!.handle[0]),
    // No file: the handler's @id (balancer.upstream's default, app_server) and the admin API's
    // default address; the state and lock in a directory of the lab's own.
    config: {
      type: 'caddy',
      host: address,
      state_dir: `${d}/${name}/bluegreen`,
      url: `http://${address}/`,
    },
  };
}

const hp = `${d}/haproxyhost/haproxy`;
const ap = `${d}/apachehost/apache`;
const apacheAddress = addressOf('apachehost');
const balancers: Lab['balancers'] = {
  nginx: {
    id: 'nginx',
    kind: 'nginx',
    host: 'dockerhost',
    address: dockerhost,
    url: `http://${dockerhost}/`,
    file: '/root/nginx.conf',
    localFile: `${root}/nginx.conf`,
    container: 'balancer',
    insideFile: '/etc/nginx/nginx.conf',
    test: 'docker exec balancer nginx -t',
    reload: 'docker kill -s HUP balancer',
    initial: readFileSync(`${root}/nginx.conf`, 'utf8'),
    // As the README suggests it: the two commands given, and the container named.
    config: {
      host: dockerhost,
      container: 'balancer',
      file: '/root/nginx.conf',
      test: 'docker exec balancer nginx -t',
      reload: 'docker kill -s HUP balancer',
      url: `http://${dockerhost}/`,
    },
  },
  haproxy: {
    id: 'haproxy',
    kind: 'haproxy',
    host: 'dockerhost',
    address: dockerhost,
    url: `http://${dockerhost}:${haproxyPort}/`,
    file: '/root/haproxy/haproxy.cfg',
    localFile: `${root}/haproxy/haproxy.cfg`,
    container: 'haproxy',
    insideFile: '/usr/local/etc/haproxy/haproxy.cfg',
    adminSocket: `${root}/haproxy-run/admin.sock`,
    test: 'docker exec haproxy haproxy -c -f /usr/local/etc/haproxy/haproxy.cfg',
    reload: 'docker kill -s USR2 haproxy',
    initial: readFileSync(`${root}/haproxy/haproxy.cfg`, 'utf8'),
    // test and reload left to bluegreen's defaults for a container.
    config: {
      type: 'haproxy',
      host: dockerhost,
      container: 'haproxy',
      file: '/root/haproxy/haproxy.cfg',
      admin_socket: '/root/haproxy-run/admin.sock',
      url: `http://${dockerhost}:${haproxyPort}/`,
    },
  },
  haproxyHost: {
    id: 'haproxyHost',
    kind: 'haproxy',
    host: 'haproxyhost',
    address: addressOf('haproxyhost'),
    url: `http://${addressOf('haproxyhost')}/`,
    file: `${hp}/haproxy.cfg`,
    localFile: `${hp}/haproxy.cfg`,
    pidFile: `${hp}/haproxy.pid`,
    adminSocket: `${hp}/admin.sock`,
    test: `haproxy -c -f ${hp}/haproxy.cfg`,
    reload: `kill -USR2 "$(cat ${hp}/haproxy.pid)"`,
    initial: readFileSync(`${hp}/haproxy.cfg`, 'utf8'),
    // test and reload left to bluegreen's defaults (haproxy -c -f FILE; SIGUSR2 to the master).
    config: {
      type: 'haproxy',
      host: addressOf('haproxyhost'),
      file: `${hp}/haproxy.cfg`,
      pid_file: `${hp}/haproxy.pid`,
      admin_socket: `${hp}/admin.sock`,
      url: `http://${addressOf('haproxyhost')}/`,
    },
  },
  // Apache httpd installed on apachehost, run with its own config (apache2 -f), so the test
  // and reload commands are given; the pid file is found from `… -t -D DUMP_RUN_CFG`.
  apache: {
    id: 'apache',
    kind: 'apache',
    host: 'apachehost',
    address: apacheAddress,
    url: `http://${apacheAddress}/`,
    file: `${ap}/site.conf`,
    localFile: `${ap}/site.conf`,
    pidFile: `${ap}/apache2.pid`,
    test: `apache2 -f ${ap}/apache2.conf -t`,
    reload: `apache2 -f ${ap}/apache2.conf -k graceful`,
    initial: readFileSync(`${ap}/site.conf`, 'utf8'),
    config: {
      type: 'apache',
      host: apacheAddress,
      file: `${ap}/site.conf`,
      test: `apache2 -f ${ap}/apache2.conf -t`,
      reload: `apache2 -f ${ap}/apache2.conf -k graceful`,
      // WebSocket through the balancer: mod_proxy_http upgrades only for members that allow it.
      member_params: { upgrade: 'websocket' },
      url: `http://${apacheAddress}/`,
    },
  },
  nginxHost: hostNginx('nginxHost', 'lb2'),
  nginxHost2: hostNginx('nginxHost2', 'lb3'),
  caddy: hostCaddy('caddy', 'caddyhost'),
  caddy2: hostCaddy('caddy2', 'caddyhost2'),
};

const lab: Lab = {
  dir: d,
  registry,
  registryAuth: {
    address: env('LAB_REGISTRY_AUTH'),
    username: 'bluegreen-ci',
    passwordFile: `${d}/registry/password`,
    pullUsername: 'bluegreen-pull',
    pullPasswordFile: `${d}/registry/password-pull`,
  },
  sshUser: 'root',
  sshKey: `${d}/id_ed25519`,
  knownHosts: `${d}/known_hosts`,
  buildDockerHost: `unix://${d}/dockerhost/docker.sock`,
  dockerhost: host('dockerhost'),
  balancer: balancers.nginx,
  balancers,
  // lb2 and lb3 each show their own nginx directory at this one path to ssh sessions.
  sharedNginx: {
    file: `${d}/balancer/upstream.conf`,
    test: `nginx -c ${d}/balancer/nginx.conf -t`,
    reload: `nginx -c ${d}/balancer/nginx.conf -s reload`,
  },
  syslog: {
    address: env('LAB_SYSLOG_IP'),
    port: Number(env('LAB_SYSLOG_PORT')),
    file: `${d}/syslog/messages.log`,
  },
  hosts: { green: names(env('LAB_GREEN')).map(host), blue: names(env('LAB_BLUE')).map(host) },
  // sshd alone; `bash test/lab/bastion.sh close HOST…` makes it the only way to those hosts' sshd.
  bastion: {
    name: 'bastion',
    address: addressOf('bastion'),
    sshLog: `${d}/bastion/sshd.log`,
  },
  images: {
    base: `${registry}/bluegreen-lab/node-base:latest`,
    v1: `${registry}/hubuser/app:1.0.0`,
    v2: `${registry}/hubuser/app:2.0.0`,
    nginx: env('LAB_NGINX_IMAGE'),
    haproxy: env('LAB_HAPROXY_IMAGE'),
  },
  upSeconds: Number(env('LAB_UP_SECONDS')),
};
writeFileSync(`${out}.tmp`, `${JSON.stringify(lab, null, 2)}\n`);
renameSync(`${out}.tmp`, out);
