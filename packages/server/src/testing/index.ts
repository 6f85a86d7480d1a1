export {
  openApiContract,
  openApiPath,
  recordContract,
  type ContractRecorder,
  type OpenApiContract,
  type RecordedResponse,
} from './contract.js';
