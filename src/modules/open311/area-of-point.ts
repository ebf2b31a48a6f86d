// Which area's GeoJSON boundary (Polygon or MultiPolygon, WGS84) holds a point: ray casting, holes respected.
type Ring = number[][]

function inRing([x, y]: [number, number], ring: Ring): boolean {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number]
    const [xj, yj] = ring[j] as [number, number]
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

const inPolygon = (point: [number, number], rings: Ring[]) => rings.length > 0 && inRing(point, rings[0]!) && !rings.slice(1).some((hole) => inRing(point, hole))

/** True when the boundary is a Polygon or MultiPolygon that contains the point (GeoJSON order: longitude, latitude). */
export function boundaryContains(boundary: unknown, longitude: number, latitude: number): boolean {
  const b = boundary as { type?: unknown; coordinates?: unknown } | null
  if (!b || !Array.isArray(b.coordinates)) return false
  const point: [number, number] = [longitude, latitude]
  if (b.type === 'Polygon') return inPolygon(point, b.coordinates as Ring[])
  if (b.type === 'MultiPolygon') return (b.coordinates as Ring[][]).some((polygon) => inPolygon(point, polygon))
  return false
}
