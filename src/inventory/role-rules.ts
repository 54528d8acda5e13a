/**
 * The role rules: evidence for each device role, as data. Rules: a rule fires when every
 * condition it names holds (ports open on the device or seen served in flows, service
 * product/name, HTTP title/server/technology, banner, MAC vendor from the IEEE registry,
 * hostname or tracker name, OS guess, randomised MAC, default gateway of this host); the
 * inference (role-inference.ts) adds the weights of the rules that fire per role. Weights:
 * ~50-80 = nearly conclusive on its own (a default route, Synology DSM's port pair, Roku's
 * ECP port, Hikvision's web server), ~30-45 = strong (vendor that makes one kind of device,
 * a telling hostname), ~10-20 = a hint that only counts together with others (an Apple or
 * Samsung vendor, a randomised MAC, SSH on Debian). Patterns are matched against bounded,
 * sanitised text; each is anchored or literal enough to stay linear.
 */
import type { Role } from '../store/state-files.js';

export interface RoleRule {
  role: Exclude<Role, 'unknown'>;
  weight: number;
  /** Plain text shown as the reason, e.g. "RTSP port open". */
  reason: string;
  /** At least one of these ports is open (scan) or served (flows). */
  anyPort?: readonly number[];
  /** All of these ports. */
  allPorts?: readonly number[];
  /** A service whose product key or display name matches. */
  product?: RegExp;
  /** A service whose name (nmap vocabulary) matches. */
  service?: RegExp;
  /** HTTP title, Server header or a detected technology name matches. */
  http?: RegExp;
  /** A service banner matches. */
  banner?: RegExp;
  /** MAC vendor (IEEE organisation name) matches. */
  vendor?: RegExp;
  /** Hostname (first label, lower-case) or tracker name matches. */
  host?: RegExp;
  /** `${os.family} ${os.detail}` matches. */
  os?: RegExp;
  randomizedMac?: boolean;
  gateway?: boolean;
}

export const ROLE_RULES: readonly RoleRule[] = [
  // --- gateway ---
  { role: 'gateway', weight: 80, reason: 'default gateway of the homesec host', gateway: true },
  { role: 'gateway', weight: 35, reason: 'DNS and web admin', allPorts: [53], anyPort: [80, 443] },
  { role: 'gateway', weight: 40, reason: 'router software', product: /^(miniupnpd|uhttpd|routeros-sshd|mikrotik|luci)/i },
  { role: 'gateway', weight: 50, reason: 'MikroTik Winbox port open', anyPort: [8291] },
  { role: 'gateway', weight: 40, reason: 'FRITZ!Box TR-064 port open', anyPort: [49000] },
  {
    role: 'gateway',
    weight: 45,
    reason: 'router web interface',
    http: /openwrt|luci|pfsense|opnsense|routeros|fritz!?box|unifi (os|network)|dd-wrt|asuswrt|freshtomato|edgeos|draytek|mikrotik/i,
  },
  {
    role: 'gateway',
    weight: 40,
    reason: 'router vendor',
    vendor: /^(avm audiovisuelles|routerboard|arris|sagemcom|technicolor|zyxel|draytek|eero|actiontec|askey|vantiva|compal broadband|juniper|fortinet|netgate)/i,
  },
  { role: 'gateway', weight: 15, reason: 'network equipment vendor', vendor: /^(ubiquiti|netgear|tp-link|cisco|linksys|belkin|asustek|huawei technologies)/i },
  { role: 'gateway', weight: 35, reason: 'router hostname', host: /^(router|gateway|gw|fritz\.?box|openwrt|pfsense|opnsense|unifi|udm(-pro)?|usg|edgerouter|mikrotik|modem|speedport|livebox)\b/ },
  { role: 'gateway', weight: 20, reason: 'network device OS', os: /^Network device/ },

  // --- camera ---
  { role: 'camera', weight: 40, reason: 'RTSP streaming port open', anyPort: [554, 8554] },
  { role: 'camera', weight: 15, reason: 'RTSP service', service: /^rtsps?$/ },
  { role: 'camera', weight: 55, reason: 'camera firmware', product: /hikvision|dahua|hipcam|h264dvr|xmeye|uc-httpd|reolink|axis/i },
  { role: 'camera', weight: 45, reason: 'Dahua/XMEye DVR port open', anyPort: [37777, 34567] },
  { role: 'camera', weight: 40, reason: 'camera web interface', http: /\b(ip ?camera|network camera|webcam|nvr|dvr|hikvision|dahua|reolink|axis|amcrest|foscam|netwave|blue iris)\b/i },
  {
    role: 'camera',
    weight: 45,
    reason: 'camera vendor',
    vendor: /^(hangzhou hikvision|zhejiang dahua|reolink|wyze labs|ring llc|axis communications|amcrest|hangzhou ezviz|arlo technology|zhejiang uniview|vivotek|mobotix|hanwha|foscam|shenzhen foscam)/i,
  },
  { role: 'camera', weight: 40, reason: 'camera hostname', host: /(^|[-_])(cam|camera|ipcam|webcam|doorbell|nvr|dvr|hikvision|reolink|wyze|ring|arlo|tapo-?c\d+)([-_\d]|$)/ },

  // --- printer ---
  { role: 'printer', weight: 45, reason: 'raw printing port 9100 open', anyPort: [9100] },
  { role: 'printer', weight: 30, reason: 'LPD port 515 open', anyPort: [515] },
  { role: 'printer', weight: 20, reason: 'IPP port 631 open', anyPort: [631] },
  { role: 'printer', weight: 20, reason: 'IPP service', service: /^ipps?$/ },
  { role: 'printer', weight: 40, reason: 'printer web interface', http: /\b(printer|laserjet|officejet|deskjet|envy|pixma|imageclass|workforce|ecotank|brother|epson|lexmark|kyocera|xerox|ricoh|mfc-|hl-l|dcp-)\b/i },
  { role: 'printer', weight: 20, reason: 'printer firmware OS', os: /printer/i },
  { role: 'printer', weight: 45, reason: 'printer vendor', vendor: /^(brother industries|seiko epson|canon inc|lexmark|kyocera document|xerox|ricoh|konica minolta|zebra technologies)/i },
  { role: 'printer', weight: 15, reason: 'HP vendor', vendor: /^(hp inc|hewlett[- ]packard)/i },
  { role: 'printer', weight: 40, reason: 'printer hostname', host: /^(npi[0-9a-f]+|hp[0-9a-f]{6}|brn[0-9a-f]+|brw[0-9a-f]+|epson[0-9a-z]*|canon[0-9a-z]*|printer|prn|laserjet|officejet|mfc)([-_\d]|$)/ },

  // --- nas ---
  { role: 'nas', weight: 50, reason: 'Synology DSM ports 5000/5001 open', allPorts: [5000, 5001] },
  { role: 'nas', weight: 25, reason: 'NFS or AFP file sharing', anyPort: [2049, 548] },
  { role: 'nas', weight: 15, reason: 'Samba file server', product: /^samba/i },
  { role: 'nas', weight: 50, reason: 'NAS web interface', http: /synology|diskstation|qnap|qts|truenas|freenas|openmediavault|unraid|asustor|readynas|terramaster/i },
  { role: 'nas', weight: 50, reason: 'NAS vendor', vendor: /^(synology|qnap|asustor|buffalo|drobo|terramaster)/i },
  { role: 'nas', weight: 15, reason: 'storage vendor', vendor: /^western digital/i },
  { role: 'nas', weight: 40, reason: 'NAS hostname', host: /^(nas|diskstation|ds\d{3,4}|qnap|ts-\d+|truenas|freenas|omv|unraid|storage)([-_\d]|$)/ },

  // --- tv / media ---
  { role: 'tv', weight: 45, reason: 'Google Cast ports 8008/8009 open', allPorts: [8008, 8009] },
  { role: 'tv', weight: 55, reason: 'Roku ECP port 8060 open', anyPort: [8060] },
  { role: 'tv', weight: 45, reason: 'Samsung Smart TV ports open', allPorts: [8001, 8002] },
  { role: 'tv', weight: 40, reason: 'LG webOS ports 3000/3001 open', allPorts: [3000, 3001] },
  { role: 'tv', weight: 45, reason: 'Philips TV JointSPACE port open', anyPort: [1925, 1926] },
  { role: 'tv', weight: 45, reason: 'Android TV remote ports open', anyPort: [6466, 6467] },
  { role: 'tv', weight: 15, reason: 'AirPlay port 7000 open', anyPort: [7000] },
  { role: 'tv', weight: 20, reason: 'ADB port 5555 open (Android TV boxes)', anyPort: [5555] },
  { role: 'tv', weight: 45, reason: 'TV/streaming vendor', vendor: /^(roku|vizio|tcl king|tcl incorporated|qingdao hisense|hisense|nvidia|sony visual|skyworth)/i },
  { role: 'tv', weight: 15, reason: 'TV maker', vendor: /^(lg electronics$|samsung electronics|sony corporation|panasonic|sharp)/i },
  { role: 'tv', weight: 45, reason: 'TV/streaming hostname', host: /(^|[-_])(tv|smarttv|roku|chromecast|appletv|apple-tv|firetv|fire-tv|aftmm|shield|bravia|webos|lgwebostv|tizen|samsungtv|androidtv|mibox|googletv)([-_\d]|$)/ },
  { role: 'tv', weight: 35, reason: 'media device web/API', http: /\b(roku|chromecast|google cast|webos|tizen|bravia|kodi|plex media player)\b/i },

  // --- iot ---
  { role: 'iot', weight: 45, reason: 'IoT chip/device vendor', vendor: /^(espressif|tuya smart|signify|philips lighting|sonos|ecobee|nest labs|shelly|allterco|lifx|irobot|ikea of sweden|tado|netatmo|meross|chengdu meross|wiz connected|belkin international|amazon technologies|bose corporation|texas instruments|silicon laboratories|hui zhou gaoshengda|shenzhen bilian)/i },
  { role: 'iot', weight: 50, reason: 'Tuya local protocol port 6668 open', anyPort: [6668] },
  { role: 'iot', weight: 45, reason: 'Sonos control port 1400 open', anyPort: [1400] },
  { role: 'iot', weight: 50, reason: 'smart-home firmware web interface', http: /\b(shelly|tasmota|esphome|wled|openbeken|sonoff|philips hue|hue bridge|tradfri|tuya|meross|homewizard|ecobee)\b/i },
  { role: 'iot', weight: 40, reason: 'IoT hostname', host: /(^|[-_])(esp|esp8266|esp32|espressif|shelly\w*|tasmota|sonoff|wled|esphome|hue|philips-hue|echo|alexa|amazon-[0-9a-f]+|nest|ecobee|tuya|smartplug|plug|bulb|lamp|light|sensor|thermostat|sonos|roomba|vacuum|wiz)([-_\d]|$)/ },
  { role: 'iot', weight: 15, reason: 'embedded OS', os: /^Embedded\/RTOS(?!.*printer)/ },

  // --- mobile ---
  { role: 'mobile', weight: 55, reason: 'iOS lockdown port 62078 open', anyPort: [62078] },
  { role: 'mobile', weight: 20, reason: 'randomised (private) MAC, as phones use by default', randomizedMac: true },
  { role: 'mobile', weight: 45, reason: 'phone/tablet hostname', host: /(^|[-_])(iphone|ipad|android|galaxy|pixel|oneplus|redmi|poco|xiaomi|huawei|honor|oppo|vivo|realme|moto|motorola|phone|sm-[a-z]\d+|nokia)([-_\d]|$)/ },
  { role: 'mobile', weight: 45, reason: 'phone maker', vendor: /^(oneplus|guangdong oppo|vivo mobile|motorola mobility|realme|hmd global|fairphone|lg electronics \(mobile)/i },
  { role: 'mobile', weight: 15, reason: 'phone and tablet maker', vendor: /^(apple|samsung electronics|xiaomi|huawei device|google)/i },

  // --- desktop ---
  { role: 'desktop', weight: 45, reason: 'computer hostname', host: /(^|[-_])(desktop|laptop|macbook(-pro|-air)?|imac|mac-?mini|mac-?pro|mbp|pc|workstation|thinkpad|surface|notebook|win(dows)?|xps|latitude|ideapad|zenbook|chromebook)([-_\d]|$)/ },
  { role: 'desktop', weight: 30, reason: 'Windows file sharing and RPC', allPorts: [135, 445] },
  { role: 'desktop', weight: 20, reason: 'Windows', os: /^Windows/ },
  { role: 'desktop', weight: 20, reason: 'remote desktop port open', anyPort: [3389, 5900] },
  { role: 'desktop', weight: 20, reason: 'macOS', os: /^macOS\/iOS(?! iOS)/ },
  { role: 'desktop', weight: 25, reason: 'PC/laptop maker', vendor: /^(dell|lenovo|intel corporate|micro-star|liteon|microsoft|hp inc|hewlett packard|asustek|gigabyte|framework computer|acer|azurewave|cloud network technology)/i },

  // --- server ---
  { role: 'server', weight: 40, reason: 'database port open', anyPort: [3306, 5432, 27017, 6379, 9200, 1433, 1521] },
  { role: 'server', weight: 50, reason: 'Proxmox VE web interface port 8006', anyPort: [8006] },
  { role: 'server', weight: 45, reason: 'Home Assistant port 8123 open', anyPort: [8123] },
  { role: 'server', weight: 40, reason: 'Docker API port open', anyPort: [2375, 2376] },
  { role: 'server', weight: 30, reason: 'mail server ports open', anyPort: [25, 587, 993, 995] },
  { role: 'server', weight: 25, reason: 'MQTT broker', anyPort: [1883, 8883] },
  { role: 'server', weight: 80, reason: 'Windows domain controller (Kerberos + LDAP)', allPorts: [88, 389] },
  { role: 'server', weight: 20, reason: 'DNS server that is not the gateway', anyPort: [53], gateway: false },
  { role: 'server', weight: 25, reason: 'SSH on a server distribution', product: /^openssh/i, banner: /debian|ubuntu|centos|red ?hat|rocky|alma|fedora|alpine|suse|raspbian/i },
  { role: 'server', weight: 20, reason: 'web server software', product: /^(nginx|apache|httpd|lighttpd|caddy|traefik|tomcat|jetty|iis|microsoft-iis|gunicorn|node)/i },
  { role: 'server', weight: 45, reason: 'server application', http: /\b(grafana|prometheus|gitlab|gitea|nextcloud|jenkins|portainer|proxmox|pi-hole|adguard home|home assistant|jellyfin|emby|plex media server|elasticsearch|kibana|cockpit|webmin|nginx proxy manager|uptime kuma)\b/i },
  { role: 'server', weight: 25, reason: 'server/single-board computer maker', vendor: /^(raspberry pi|super micro|proxmox|vmware|xensource)/i },
  { role: 'server', weight: 25, reason: 'virtual machine or container NIC', vendor: /virtual NIC|container/i },
  { role: 'server', weight: 35, reason: 'server hostname', host: /^(server|srv|nuc|pi|raspberrypi|homeassistant|hassio|proxmox|pve|docker|vm|kube|k8s|plex|jellyfin|pihole|unraid-vm)([-_\d]|$)/ },
];
