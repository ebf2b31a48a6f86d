// Runs once before the test files (tap "before"): builds the migrated template they all clone.
import { prepareTemplate } from '../helpers/database.ts'

await prepareTemplate()
