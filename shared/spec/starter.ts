/** The commented starter cluster.yaml that `k3s-wizard init` writes: every setting, explained. */
import { shQuote } from '../shell';

export interface StarterOptions {
  name?: string;
}

export function starterSpecYaml(options: StarterOptions = {}): string {
  const name = options.name ?? 'homelab';
  return `# k3s-wizard cluster file. Check it with: k3s-wizard plan cluster.yaml
# It never holds a password, passphrase or token: the wizard takes them on its Hosts step;
# \`k3s-wizard apply\` asks on the terminal or reads --secrets-file / --secrets-fd (see apply --help).
apiVersion: k3s-wizard/v1
kind: Cluster
name: ${shQuote(name)}

k3s:
  # An exact release (e.g. v1.33.5+k3s1) wins over the channel (stable, latest or v1.NN).
  channel: stable

install:
  # online: each machine downloads from get.k3s.io and GitHub (or the mirrors below).
  source: online
  scriptUrl: https://get.k3s.io
  # githubUrl: https://mirror.example.com/k3s-io/k3s/releases
  # channelUrl: https://mirror.example.com/v1-release/channels
  # Air-gap instead: a folder on this computer with install.sh, k3s, k3s-arm64, k3s-armhf,
  # sha256sum-*.txt and optionally k3s-airgap-images-<arch>.tar.zst:
  # source: airgap
  # folder: ./k3s-artifacts
  # images: true

ha:
  # Embedded etcd: on by itself with 3 or 5 servers; set true to add servers later.
  # embeddedEtcd: true

networking:
  flannelBackend: vxlan # vxlan, wireguard-native (encrypted) or host-gw (one LAN only)
  clusterCidr: 10.42.0.0/16 # pods; must not overlap your LAN
  serviceCidr: 10.43.0.0/16 # services
  apiPort: 6443 # other ports break in-cluster clients
  tlsSans: [] # extra names or addresses kubectl may use to reach the servers
  # endpoint: { address: 192.168.1.200, port: 6443 } # a VIP or load balancer nodes join and kubectl uses
  nodePortRange: 30000-32767
  openNodePorts: false # open the NodePort range in host firewalls

# Bundled components to leave out: traefik, servicelb, local-storage, metrics-server.
disable: []

firewall:
  # configure: open exactly the K3s ports (firewalld or ufw), node addresses only where possible;
  # disable: turn the host firewall off; leave: change nothing (the checks say what will break).
  policy: configure
  # Who may reach the API port (kubectl) and NodePorts: anywhere, or a list like [192.168.1.0/24].
  clients: anywhere

kubeconfig:
  contextName: ${shQuote(name)}
  # server: 192.168.1.10 # default: the first server's address (must be in its certificate)
  file: merge # merge into ~/.kube/config, or separate (a file of its own)

nodes:
  # The first server starts the cluster; further servers and agents join it.
  - address: 192.168.1.10 # how this computer reaches the machine over SSH
    port: 22
    user: pi
    auth: { method: agent } # agent, { method: key, keyPath: ~/.ssh/id_ed25519 } or password
    sudo: { password: false } # true if sudo asks this user for a password
    role: server
    nodeName: pi1 # unique, lower case
    labels: {}
    taints: [] # e.g. [dedicated=infra:NoSchedule]
    # nodeIp: 192.168.1.10 # the address other nodes use, if the machine has several
    # flannelIface: eth0 # e.g. when Wi-Fi and Ethernet are both up
    # arch: arm64 # amd64, arm64 or arm; needed for air-gap when the machine was not probed
    # firewall: leave # overrides the cluster's firewall policy for this machine
    # nodeExternalIp: 203.0.113.7 # the address it is reached on from outside its network (NAT)
    # withNodeId: true # K3s names it <host name>-<random id> (cloned machines); a reinstall renames it
    # listener: # servers only: --bind-address, --advertise-address, --advertise-port, --tls-san
    #   bindAddress: 192.168.1.10 # listen on one address only
    #   advertiseAddress: 192.168.1.10 # what it tells the cluster to use for it
    #   advertisePort: 6443 # when a forwarder maps another port
    #   tlsSans: [192.168.1.200] # names in this server's certificate (an endpoint, a DNS name)
    # rootless: true # run K3s as the login user (k3s server --rootless; a single server only)
  - address: 192.168.1.11
    user: pi
    role: agent
    nodeName: pi2
`;
}
