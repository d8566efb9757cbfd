// The nearest valid value to one the schema refused, for the "fix" line: the size that gives at
// least what was asked, the region closest on the map, the whole hour closest on the clock. A
// suggestion that halves the memory or crosses an ocean would be worse than none.
import { closest, distance } from "fastest-levenshtein";

const SIZE = /^(.*?)(\d+)vcpu-(\d+(?:\.\d+)?)gb/;

function sizeOf(slug: string): { family: string; vcpus: number; gb: number } | undefined {
  const match = SIZE.exec(slug);
  if (match === null) return undefined;
  return { family: match[1] ?? "", vcpus: Number(match[2]), gb: Number(match[3]) };
}

/**
 * The smallest size of `sizes` with at least the vCPUs and memory `asked` names, in its family
 * (`apps-d-`, `db-s-`) when that has one: `apps-d-1vcpu-3gb` → `apps-d-1vcpu-4gb`.
 */
export function nearestSize(asked: string, sizes: readonly string[]): string | undefined {
  const wanted = sizeOf(asked);
  if (wanted === undefined) return undefined;
  const fitting = sizes
    .flatMap((slug) => {
      const size = sizeOf(slug);
      return size !== undefined && size.vcpus >= wanted.vcpus && size.gb >= wanted.gb
        ? [{ slug, ...size }]
        : [];
    })
    .sort((a, b) => a.gb - b.gb || a.vcpus - b.vcpus);
  return (fitting.find((size) => size.family === wanted.family) ?? fitting[0])?.slug;
}

type Place = readonly [latitude: number, longitude: number];

/**
 * Where DigitalOcean's datacenters are (their cities, from DigitalOcean's "Regional Availability"
 * list, docs.digitalocean.com/platform/regional-availability/), and the places people write
 * instead of a slug, each as the datacenter city it means.
 */
const CITIES: Readonly<Record<string, Place>> = {
  nyc: [40.7, -74.0],
  sfo: [37.8, -122.4],
  ams: [52.4, 4.9],
  fra: [50.1, 8.7],
  lon: [51.5, -0.1],
  sgp: [1.35, 103.8],
  tor: [43.7, -79.4],
  blr: [12.97, 77.6],
  syd: [-33.9, 151.2],
  atl: [33.7, -84.4],
  ric: [37.5, -77.4],
  // The middle of the continent, and Washington, where the `us_east` uptime probes are.
  us: [39.0, -95.0],
  us_east: [39.0, -77.5],
};

/** Names for those cities: a full name, a country, a continent, an uptime probe's region. */
const ALIASES: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries({
    nyc: "newyork",
    sfo: "sanfrancisco us_west",
    ams: "amsterdam nl eu_west",
    fra: "frankfurt de eu europe",
    lon: "london uk gb",
    sgp: "singapore se_asia ap asia",
    tor: "toronto ca",
    blr: "bangalore in",
    syd: "sydney au",
    us: "na",
  }).flatMap(([city, names]) => names.split(" ").map((name) => [name, city])),
);

const cityOf = (name: string): Place | undefined => CITIES[ALIASES[name] ?? name];

/** Where a direction word moves a place on its continent (`eu-west` is London, not Frankfurt). */
const DIRECTIONS: Readonly<Record<string, Readonly<Record<string, Place>>>> = {
  us: { east: [40.7, -74.0], west: [37.8, -122.4], central: [39.0, -95.0] },
  eu: { west: [51.5, -0.1], central: [50.1, 8.7], north: [59.3, 18.1], south: [45.5, 9.2] },
  ap: { southeast: [1.35, 103.8], south: [19.1, 72.9], northeast: [35.7, 139.7] },
};
const CONTINENTS: Readonly<Record<string, string>> = { na: "us", europe: "eu", asia: "ap" };

const normal = (text: string) => text.toLowerCase().replaceAll(/[\s-]+/g, "_");

/** Where a region name points: a slug's city (`sfo1`), a continent and direction (`eu-west`). */
function placeOf(name: string): Place | undefined {
  const text = normal(name);
  const exact = cityOf(text) ?? cityOf(text.replaceAll("_", ""));
  if (exact !== undefined) return exact;
  const words = text.split(/[_\d]+/).filter((word) => word !== "");
  const [first = "", second = ""] = words;
  const directions = DIRECTIONS[CONTINENTS[first] ?? first];
  return directions?.[second] ?? cityOf(first) ?? cityOf(first.slice(0, 3));
}

/** Great-circle distance in kilometres. */
function kilometres([lat1, lon1]: Place, [lat2, lon2]: Place): number {
  const radians = Math.PI / 180;
  const a =
    Math.sin(((lat2 - lat1) * radians) / 2) ** 2 +
    Math.cos(lat1 * radians) *
      Math.cos(lat2 * radians) *
      Math.sin(((lon2 - lon1) * radians) / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(a));
}

/**
 * The region of `regions` nearest to `asked`: the same name written another way (`eu-west` →
 * `eu_west`), else the closest on the map (`sfo1` → `sfo3`, `eu-west` → `ams3`), else a name
 * close enough to be a typo.
 */
export function nearestRegion(asked: string, regions: readonly string[]): string | undefined {
  if (regions.length === 0) return undefined;
  const same = regions.find((region) => normal(region) === normal(asked));
  if (same !== undefined) return same;
  const place = placeOf(asked);
  if (place !== undefined) {
    const located = regions.flatMap((region) => {
      const at = placeOf(region);
      return at === undefined ? [] : [{ region, km: kilometres(place, at) }];
    });
    const nearest = located.sort((a, b) => a.km - b.km)[0];
    if (nearest !== undefined) return nearest.region;
  }
  return resemblingKey(asked, regions);
}

/** The name in `known` that `key` most resembles, when close enough to be a typo. */
export function resemblingKey(key: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const candidate = closest(key, [...known]);
  const typo = Math.max(2, Math.floor(candidate.length / 3));
  return distance(key.toLowerCase(), candidate.toLowerCase()) <= typo ? candidate : undefined;
}

const TIME = /^(\d{1,2})(?::(\d{2}))?(?::\d{2})?\s*(am|pm)?$/i;

/**
 * The whole UTC hour nearest to `asked` (`2:20`, `2am`, `14:45:00`), as `HH:00`, with why. Half
 * past rounds down: a window that opens earlier than asked is over sooner, never later.
 */
export function nearestHour(asked: unknown): { hour: string; why: string } | undefined {
  const match = TIME.exec(String(asked).trim());
  if (match === null) return undefined;
  const [, hours = "0", minutes = "0", meridiem] = match;
  const twelve =
    meridiem === undefined ? 0 : (Number(hours) % 12) + (/pm/i.test(meridiem) ? 12 : 0);
  const total = (meridiem === undefined ? Number(hours) : twelve) * 60 + Number(minutes);
  if (total >= 24 * 60 || Number(minutes) >= 60) return undefined;
  const rounded = Math.round((total - 1) / 60) % 24;
  const hour = `${String(rounded).padStart(2, "0")}:00`;
  const text = String(asked).trim();
  const why =
    Number(minutes) === 0
      ? `${text} written as HH:00`
      : Number(minutes) === 30
        ? `${text} is halfway between two hours; the earlier keeps the window from opening later than asked`
        : `the whole hour nearest to ${text}: maintenance windows open on the hour`;
  return { hour, why };
}
