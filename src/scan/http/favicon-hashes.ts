/**
 * Known Shodan-style favicon hashes (favicon-hash.ts) of products found in homes, as data.
 *
 * Source: every hash below is copied from projectdiscovery/nuclei-templates
 * `http/technologies/favicon-detect.yaml` (MIT; matchers `"<hash>" == mmh3(base64_py(body))`,
 * itself compiled from FavFreak and sansatart/scrapts shodan-favicon-hashes.csv). `label` keeps
 * that file's matcher name; `technology` is the rule name in homesec's fingerprint database
 * (rules.ts) when the product has a rule there. No hash here was computed or guessed by homesec.
 *
 * Rules: a favicon is easy to copy, so a hash is a hint for a product, never proof of a version.
 * Lookups are exact; unknown hashes give an empty list.
 */

export interface FaviconHashEntry {
  hash: number;
  /** Rule name in the fingerprint database (rules.ts), e.g. "Jenkins". */
  technology: string;
  /** The source's own name for the product. */
  label: string;
}

const SOURCE_ENTRIES: readonly FaviconHashEntry[] = [
  { hash: 81586312, technology: 'Jenkins', label: 'jenkins' },
  { hash: 1278323681, technology: 'GitLab', label: 'gitlab' },
  { hash: -1010568750, technology: 'phpMyAdmin', label: 'phpmyadmin' },
  { hash: -476231906, technology: 'phpMyAdmin', label: 'phpmyadmin' },
  { hash: -297069493, technology: 'Apache Tomcat', label: 'apache-tomcat' },
  { hash: -1399433489, technology: 'Prometheus', label: 'prometheus-time-series-collection-and-processing-server' },
  { hash: 149371702, technology: 'Synology DiskStation', label: 'synology-diskstation' },
  { hash: 1235070469, technology: 'Synology VPN Plus', label: 'synology-vpn-plus' },
  { hash: 213144638, technology: 'Proxmox VE', label: 'proxymox' },
  { hash: -1414475558, technology: 'IIS', label: 'microsoft-iis' },
  { hash: -1616115760, technology: 'ownCloud', label: 'owncloud' },
  { hash: 1969970750, technology: 'Gitea', label: 'gitea' },
  { hash: 892542951, technology: 'Zabbix', label: 'zabbix' },
  { hash: 1453890729, technology: 'Webmin', label: 'webmin' },
  { hash: -1038557304, technology: 'Webmin', label: 'webmin' },
  { hash: 1280907310, technology: 'Webmin', label: 'webmin' },
  { hash: 479413330, technology: 'Webmin', label: 'webmin' },
  { hash: -267431135, technology: 'Kibana', label: 'kibana' },
  { hash: -759754862, technology: 'Kibana', label: 'kibana' },
  { hash: -1200737715, technology: 'Kibana', label: 'kibana' },
  { hash: 75230260, technology: 'Kibana', label: 'kibana' },
  { hash: 1668183286, technology: 'Kibana', label: 'kibana' },
  { hash: 1611729805, technology: 'Elasticsearch', label: 'elastic-database' },
  { hash: 1552860581, technology: 'Elasticsearch', label: 'elastic-database' },
  { hash: -167656799, technology: 'Drupal', label: 'drupal' },
  { hash: 1174841451, technology: 'Drupal', label: 'drupal' },
  { hash: 1627330242, technology: 'Joomla', label: 'joomla' },
  { hash: 366524387, technology: 'Joomla', label: 'joomla' },
  { hash: -38580010, technology: 'Magento', label: 'magento' },
  { hash: 1485257654, technology: 'SonarQube', label: 'sonarqube' },
  { hash: 116323821, technology: 'Spring', label: 'spring-boot' },
  { hash: -219752612, technology: 'AVM FRITZ!Box', label: 'fritz!box' },
  { hash: -697231354, technology: 'Ubiquiti airOS', label: 'ubiquiti-airos' },
  { hash: 1020814938, technology: 'Ubiquiti airOS', label: 'ubiquiti-airos' },
  { hash: -1446794564, technology: 'Ubiquiti', label: 'ubiquiti-login-portals' },
  { hash: -1677255344, technology: 'Ubiquiti', label: 'ubnt-router-ui' },
  { hash: 768816037, technology: 'UniFi Video', label: 'unifi-video-controller-airvision' },
  { hash: 1157789622, technology: 'Ubiquiti UNMS', label: 'ubiquiti-unms' },
  { hash: 1405460984, technology: 'pfSense', label: 'pfsense' },
  { hash: 1015545776, technology: 'pfSense', label: 'pfsense' },
  { hash: -1148190371, technology: 'OPNsense', label: 'opnsense' },
  { hash: -675839242, technology: 'OpenWrt LuCI', label: 'openwrt-luci' },
  { hash: 1941381095, technology: 'OpenWrt LuCI', label: 'openwrt-luci' },
  { hash: 252728887, technology: 'DD-WRT', label: 'dd-wrt-dd-wrt-milli_httpd' },
  { hash: -693082538, technology: 'openmediavault', label: 'openmediavault-nas' },
  { hash: -895890586, technology: 'Plex Media Server', label: 'plex-server' },
  { hash: 902188936, technology: 'Emby', label: 'Emby' },
  { hash: 1307375944, technology: 'OctoPrint', label: 'octoprint-3d-printer' },
  { hash: 90680708, technology: 'Domoticz', label: 'domoticz-home-automation' },
  { hash: 321591353, technology: 'Node-RED', label: 'node-red' },
  { hash: -1424036600, technology: 'Portainer', label: 'portainer-docker-management' },
  { hash: 1302486561, technology: 'Netdata', label: 'netdata' },
  { hash: -182423204, technology: 'Netdata', label: 'netdata-dashboard' },
  { hash: 1585145626, technology: 'Netdata', label: 'netdata-dashboard' },
  { hash: -923693877, technology: 'motionEye', label: 'motioneye-camera' },
  { hash: 1678170702, technology: 'ASUSTOR ADM', label: 'asustor' },
  { hash: -137295400, technology: 'NETGEAR ReadyNAS', label: 'netgear-readynas' },
  { hash: -1041180225, technology: 'QNAP', label: 'qnap-nas-virtualization-station' },
  { hash: 552592949, technology: 'ASUS AiCloud', label: 'asus-aicloud' },
  { hash: 1842351293, technology: 'TP-Link', label: 'tp-link-network-device' },
  { hash: 1274078387, technology: 'TP-Link', label: 'tp-link-network-device' },
  { hash: -1319025408, technology: 'NETGEAR', label: 'netgear' },
  { hash: 1047213685, technology: 'NETGEAR', label: 'netgear-network' },
  { hash: -2063036701, technology: 'Linksys Smart Wi-Fi', label: 'linksys-smart-wi-fi' },
  { hash: -38705358, technology: 'Reolink', label: 'reolink' },
  { hash: -1466785234, technology: 'Dahua', label: 'dahua' },
  { hash: -1616143106, technology: 'Axis camera', label: 'axis-network-cameras' },
  { hash: -1654229048, technology: 'VIVOTEK camera', label: 'vivotek-camera' },
  { hash: 905744673, technology: 'HP printer', label: 'hp-printer/server' },
  { hash: -2144363468, technology: 'HP printer', label: 'hp-printer-/-server' },
  { hash: -50306417, technology: 'Kyocera printer', label: 'kyocera-printer' },
  { hash: 1483097076, technology: 'Samsung SyncThru', label: 'syncthru-web-service-printers' },
];

const BY_HASH = new Map<number, FaviconHashEntry[]>();
for (const entry of SOURCE_ENTRIES) BY_HASH.set(entry.hash, [...(BY_HASH.get(entry.hash) ?? []), entry]);

/** All entries, in source order. */
export const FAVICON_HASHES: readonly FaviconHashEntry[] = SOURCE_ENTRIES;

/** The products whose favicon has this Shodan hash (usually one; empty when unknown). */
export function lookupFaviconHash(hash: number): FaviconHashEntry[] {
  return BY_HASH.get(hash) ?? [];
}
